//! A walk over an HDT file's layout, before the `hdt` crate reads it.
//!
//! The crate trusts the lengths and counts a file declares: a header
//! "length" of a petabyte, a bitmap of zero bits or a sequence of 2^60
//! zero-bit entries make it allocate more than the machine has (the
//! process aborts) or loop for ever, and triples that point past the
//! dictionary make its indexes panic. Checksums do not help: a crafted
//! file carries valid ones. So `store::read_hdt` first streams the file
//! through [`check`], which reads the same layout, allocates nothing in
//! proportion to what the file declares, and refuses any length beyond
//! the bytes that remain and any count or id that disagrees with the rest
//! of the file. The layout is the crate's (<https://www.rdfhdt.org/hdt-binary-format/>
//! with its deviations: 8-bit section preambles, its variable-byte order).

use std::io::{BufRead, Read};

/// The longest control-information string (format or properties) taken.
const MAX_CONTROL_TEXT: u64 = 1 << 20;
const HDT_COOKIE: &[u8; 4] = b"$HDT";
const DICTIONARY_FOUR: &str = "<http://purl.org/HDT/hdt#dictionaryFour>";
const TRIPLES_BITMAP: &str = "<http://purl.org/HDT/hdt#triplesBitmap>";
/// The only triple order the crate answers correctly.
const ORDER_SPO: &str = "1";

/// Checks that an HDT file of `len` bytes, read from `reader`, can be
/// handed to the `hdt` crate; the error says what disagrees.
pub fn check(reader: impl BufRead, len: u64) -> Result<(), String> {
    let mut file = Cursor {
        reader,
        left: len,
        at: 0,
    };
    file.control("the global control information")?;
    let (format, properties) = file.control("the header")?;
    if format != "ntriples" {
        return Err(format!(
            "the header's format is {format:?}, not \"ntriples\""
        ));
    }
    let length = property(&properties, "length")
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or("the header has no length")?;
    file.skip(length, "the header")?;
    let (format, _) = file.control("the dictionary")?;
    if format != DICTIONARY_FOUR {
        return Err(format!("the dictionary's format is {format:?}"));
    }
    let mut sizes = [0; 4];
    for (size, name) in sizes
        .iter_mut()
        .zip(["shared", "subject", "predicate", "object"])
    {
        *size = file.section(name)?;
    }
    let [shared, subjects, predicates, objects] = sizes;
    let (format, properties) = file.control("the triples")?;
    if format != TRIPLES_BITMAP {
        return Err(format!("the triples' format is {format:?}"));
    }
    if property(&properties, "order") != Some(ORDER_SPO) {
        return Err("the triples are not in subject-predicate-object order".into());
    }
    let bitmap_y = file.bitmap("the predicate bitmap")?;
    let bitmap_z = file.bitmap("the object bitmap")?;
    let sequence_y = file.sequence("the predicate sequence")?;
    let sequence_z = file.sequence("the object sequence")?;
    // Every subject of the dictionary starts one run of predicates, every
    // predicate position one run of objects.
    let agree = |what: &str, declared: u64, expected: u64| {
        if declared == expected {
            Ok(())
        } else {
            Err(format!(
                "{what}: {declared}, where the rest of the file implies {expected}"
            ))
        }
    };
    agree(
        "subjects in the predicate bitmap",
        bitmap_y.ones,
        shared + subjects,
    )?;
    agree("predicate positions", sequence_y.entries, bitmap_z.ones)?;
    agree("object positions", sequence_z.entries, bitmap_z.bits)?;
    if bitmap_y.bits < sequence_y.entries {
        return Err("the predicate bitmap is shorter than its sequence".into());
    }
    let in_range = |what: &str, sequence: &Sequence, most: u64| {
        if sequence.entries == 0 || (sequence.min >= 1 && sequence.max <= most) {
            Ok(())
        } else {
            Err(format!(
                "{what} holds ids from {} to {}, where the dictionary has 1 to {most}",
                sequence.min, sequence.max
            ))
        }
    };
    in_range("the predicate sequence", &sequence_y, predicates)?;
    in_range("the object sequence", &sequence_z, shared + objects)
}

fn property<'a>(properties: &'a str, key: &str) -> Option<&'a str> {
    properties
        .split(';')
        .find_map(|item| item.split_once('=').filter(|(k, _)| *k == key))
        .map(|(_, value)| value)
}

/// The reader, with how many bytes remain and where it is (for messages).
struct Cursor<R> {
    reader: R,
    left: u64,
    at: u64,
}

/// What a bitmap declares: its length and how many bits are set.
struct Bitmap {
    bits: u64,
    ones: u64,
}

/// What a sequence declares: its length and the range of its values.
struct Sequence {
    entries: u64,
    min: u64,
    max: u64,
}

impl<R: BufRead> Cursor<R> {
    fn need(&self, bytes: u64, what: &str) -> Result<(), String> {
        if bytes <= self.left {
            Ok(())
        } else {
            Err(format!(
                "{what} declares {bytes} bytes at byte {}, where {} remain",
                self.at, self.left
            ))
        }
    }

    fn byte(&mut self, what: &str) -> Result<u8, String> {
        let mut one = [0];
        self.need(1, what)?;
        self.reader
            .read_exact(&mut one)
            .map_err(|e| format!("{what}: {e}"))?;
        self.left -= 1;
        self.at += 1;
        Ok(one[0])
    }

    /// Reads `bytes` bytes, handing each chunk to `each` (so nothing is
    /// held in memory).
    fn stream(
        &mut self,
        bytes: u64,
        what: &str,
        mut each: impl FnMut(&[u8]),
    ) -> Result<(), String> {
        self.need(bytes, what)?;
        let mut rest = bytes;
        while rest > 0 {
            let chunk = self.reader.fill_buf().map_err(|e| format!("{what}: {e}"))?;
            if chunk.is_empty() {
                return Err(format!("{what}: the file ends early"));
            }
            let take = chunk.len().min(usize::try_from(rest).unwrap_or(usize::MAX));
            each(&chunk[..take]);
            self.reader.consume(take);
            rest -= take as u64;
        }
        self.left -= bytes;
        self.at += bytes;
        Ok(())
    }

    fn skip(&mut self, bytes: u64, what: &str) -> Result<(), String> {
        self.stream(bytes, what, |_| ())
    }

    /// The crate's variable-byte integer: 7 bits a byte, least significant
    /// first, the last byte marked by its high bit.
    fn vbyte(&mut self, what: &str) -> Result<u64, String> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte(what)?;
            let bits = u64::from(byte & 0x7f);
            if shift > 0 && bits >> (64 - shift) != 0 {
                break;
            }
            value |= bits << shift;
            if byte & 0x80 != 0 {
                return Ok(value);
            }
        }
        Err(format!(
            "{what}: a number at byte {} does not fit in 64 bits",
            self.at
        ))
    }

    /// A control information block: cookie, type, format, properties,
    /// checksum. Returns the format and the properties.
    fn control(&mut self, what: &str) -> Result<(String, String), String> {
        let mut cookie = [0; 4];
        for byte in &mut cookie {
            *byte = self.byte(what)?;
        }
        if &cookie != HDT_COOKIE {
            return Err(format!(
                "{what} does not start with $HDT (byte {})",
                self.at - 4
            ));
        }
        self.byte(what)?;
        let format = self.text(what)?;
        let properties = self.text(what)?;
        self.skip(2, what)?;
        Ok((format, properties))
    }

    fn text(&mut self, what: &str) -> Result<String, String> {
        let mut text = Vec::new();
        let read = (&mut self.reader)
            .take(MAX_CONTROL_TEXT.min(self.left))
            .read_until(0, &mut text)
            .map_err(|e| format!("{what}: {e}"))? as u64;
        self.left -= read;
        self.at += read;
        if text.pop() != Some(0) {
            return Err(format!(
                "{what}: a text field at byte {} has no end within {MAX_CONTROL_TEXT} bytes",
                self.at - read
            ));
        }
        String::from_utf8(text).map_err(|_| format!("{what}: a text field is not UTF-8"))
    }

    /// A dictionary section (plain front coding); returns its string count.
    fn section(&mut self, name: &str) -> Result<u64, String> {
        let what = format!("the dictionary's {name} section");
        if self.byte(&what)? != 2 {
            return Err(format!("{what} is not plain front coding"));
        }
        let strings = self.vbyte(&what)?;
        let packed = self.vbyte(&what)?;
        let block = self.vbyte(&what)?;
        self.byte(&what)?;
        let offsets = self.sequence(&what)?;
        // Each string ends with a NUL; each block has an offset, plus one
        // past the end.
        self.need(strings, &what)?;
        if strings > packed {
            return Err(format!("{what}: {strings} strings in {packed} bytes"));
        }
        if strings > 0 {
            if block == 0 {
                return Err(format!("{what}: blocks of zero strings"));
            }
            let blocks = strings.div_ceil(block);
            if offsets.entries < blocks || offsets.entries > blocks + 1 {
                return Err(format!(
                    "{what}: {} block offsets for {blocks} blocks",
                    offsets.entries
                ));
            }
            if offsets.max > packed {
                return Err(format!("{what}: an offset past its {packed} bytes"));
            }
        }
        self.skip(packed, &what)?;
        self.skip(4, &what)?;
        Ok(strings)
    }

    /// A bitmap: type, bit count, checksum, the bits, checksum.
    fn bitmap(&mut self, what: &str) -> Result<Bitmap, String> {
        if self.byte(what)? != 1 {
            return Err(format!("{what} is of an unknown type"));
        }
        let bits = self.vbyte(what)?;
        self.byte(what)?;
        if bits == 0 {
            return Err(format!("{what} has no bits"));
        }
        let bytes = bits.div_ceil(8);
        let mut ones = 0;
        let mut seen = 0;
        self.stream(bytes, what, |chunk| {
            for &byte in chunk {
                let kept = (bits - seen * 8).min(8);
                ones += u64::from((u16::from(byte) & ((1 << kept) - 1)).count_ones());
                seen += 1;
            }
        })?;
        self.skip(4, what)?;
        Ok(Bitmap { bits, ones })
    }

    /// A log sequence: type, bits per entry, entry count, checksum, the
    /// packed entries (least significant bit first), checksum.
    fn sequence(&mut self, what: &str) -> Result<Sequence, String> {
        if !(1..=3).contains(&self.byte(what)?) {
            return Err(format!("{what} is of an unknown type"));
        }
        let width = u32::from(self.byte(what)?);
        if width > 64 {
            return Err(format!("{what} has entries of {width} bits"));
        }
        let entries = self.vbyte(what)?;
        self.byte(what)?;
        if entries > 0 && width == 0 {
            return Err(format!("{what} has {entries} entries of zero bits"));
        }
        let bytes = entries
            .checked_mul(u64::from(width))
            .ok_or_else(|| format!("{what} declares more than 2^64 bits"))?
            .div_ceil(8);
        let mut sequence = Sequence {
            entries,
            min: u64::MAX,
            max: 0,
        };
        // Bits not yet taken, low first: at most 7 left over plus one byte
        // fit in the 128-bit buffer whatever the width.
        let (mut buffer, mut held, mut taken) = (0u128, 0u32, 0u64);
        self.stream(bytes, what, |chunk| {
            for &byte in chunk {
                buffer |= u128::from(byte) << held;
                held += 8;
                while held >= width && taken < entries {
                    let value = (buffer & ((1u128 << width) - 1)) as u64;
                    buffer >>= width;
                    held -= width;
                    taken += 1;
                    sequence.min = sequence.min.min(value);
                    sequence.max = sequence.max.max(value);
                }
            }
        })?;
        self.skip(4, what)?;
        Ok(sequence)
    }
}

#[cfg(test)]
mod tests {
    //! Crafted files with valid checksums (the `crc` crate, the checksums
    //! the `hdt` crate verifies), each breaking one thing, and the file the
    //! crate itself writes.
    use super::*;
    use crc::{Crc, CRC_16_ARC, CRC_32_ISCSI, CRC_8_SMBUS};

    fn vbyte(mut n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        while n > 127 {
            out.push((n & 127) as u8);
            n >>= 7;
        }
        out.push(n as u8 | 0x80);
        out
    }

    fn control(kind: u8, format: &str, properties: &str) -> Vec<u8> {
        let mut out = b"$HDT".to_vec();
        out.push(kind);
        out.extend(format.as_bytes());
        out.push(0);
        out.extend(properties.as_bytes());
        out.push(0);
        let crc = Crc::<u16>::new(&CRC_16_ARC).checksum(&out);
        out.extend(crc.to_le_bytes());
        out
    }

    fn packed(values: &[u64], width: u32) -> Vec<u8> {
        let mut bits = Vec::new();
        for value in values {
            bits.extend((0..width).map(|i| value >> i & 1 == 1));
        }
        bits.chunks(8)
            .map(|byte| {
                byte.iter()
                    .enumerate()
                    .map(|(i, &b)| u8::from(b) << i)
                    .sum()
            })
            .collect()
    }

    fn body(meta: Vec<u8>, data: Vec<u8>) -> Vec<u8> {
        let mut out = meta.clone();
        out.push(Crc::<u8>::new(&CRC_8_SMBUS).checksum(&meta));
        out.extend(&data);
        out.extend(Crc::<u32>::new(&CRC_32_ISCSI).checksum(&data).to_le_bytes());
        out
    }

    fn sequence(values: &[u64], entries: u64, width: u32) -> Vec<u8> {
        let mut meta = vec![1, width as u8];
        meta.extend(vbyte(entries));
        body(meta, packed(values, width))
    }

    fn bitmap(bits: &[bool], declared: u64) -> Vec<u8> {
        let mut meta = vec![1];
        meta.extend(vbyte(declared));
        let values: Vec<u64> = bits.iter().map(|&b| u64::from(b)).collect();
        body(meta, packed(&values, 1))
    }

    fn section(strings: &[&str]) -> Vec<u8> {
        let mut data = Vec::new();
        let mut offsets = Vec::new();
        for s in strings {
            offsets.push(data.len() as u64);
            data.extend(s.as_bytes());
            data.push(0);
        }
        if !strings.is_empty() {
            offsets.push(data.len() as u64);
        }
        raw_section(strings.len() as u64, 1, &offsets, data)
    }

    /// A section as declared: `strings` in blocks of `block`.
    fn raw_section(strings: u64, block: u64, offsets: &[u64], data: Vec<u8>) -> Vec<u8> {
        let mut meta = vec![2];
        meta.extend(vbyte(strings));
        meta.extend(vbyte(data.len() as u64));
        meta.extend(vbyte(block));
        let mut out = meta.clone();
        out.push(Crc::<u8>::new(&CRC_8_SMBUS).checksum(&meta));
        out.extend(sequence(offsets, offsets.len() as u64, 8));
        out.extend(&data);
        out.extend(Crc::<u32>::new(&CRC_32_ISCSI).checksum(&data).to_le_bytes());
        out
    }

    /// One file, each part replaceable: two triples `<s> <p> "a"`, `<s> <p> "b"`.
    struct Parts {
        header_length: String,
        order: &'static str,
        objects: Vec<u8>,
        bitmap_y: Vec<u8>,
        sequence_z: Vec<u8>,
    }

    impl Default for Parts {
        fn default() -> Self {
            Self {
                header_length: "0".into(),
                order: "1",
                objects: section(&["\"a\"", "\"b\""]),
                bitmap_y: bitmap(&[true], 1),
                sequence_z: sequence(&[1, 2], 2, 2),
            }
        }
    }

    fn file(parts: Parts) -> Vec<u8> {
        let mut out = control(1, "<http://purl.org/HDT/hdt#HDTv1>", "");
        out.extend(control(
            2,
            "ntriples",
            &format!("length={}", parts.header_length),
        ));
        out.extend(control(3, DICTIONARY_FOUR, ""));
        out.extend(section(&[]));
        out.extend(section(&["http://e.org/s"]));
        out.extend(section(&["http://e.org/p"]));
        out.extend(parts.objects);
        out.extend(control(
            4,
            TRIPLES_BITMAP,
            &format!("order={};numTriples=2", parts.order),
        ));
        out.extend(parts.bitmap_y);
        out.extend(bitmap(&[false, true], 2));
        out.extend(sequence(&[1], 1, 1));
        out.extend(parts.sequence_z);
        out
    }

    fn checked(bytes: &[u8]) -> Result<(), String> {
        check(bytes, bytes.len() as u64)
    }

    #[test]
    fn a_well_formed_file_passes_and_the_crate_reads_it() {
        let bytes = file(Parts::default());
        checked(&bytes).unwrap();
        let hdt = hdt::Hdt::read(&bytes[..]).unwrap();
        assert_eq!(hdt.triples_all().count(), 2);
    }

    #[test]
    fn a_file_the_crate_writes_passes() {
        let triples = [
            ["http://e.org/s", "http://e.org/p", "\"a\""],
            ["http://e.org/o", "http://e.org/p", "http://e.org/s"],
        ];
        let hdt = hdt::Hdt::from_triples(triples, "http://e.org/").unwrap();
        let mut bytes = Vec::new();
        hdt.write(&mut bytes).unwrap();
        checked(&bytes).unwrap();
    }

    #[test]
    fn crafted_files_are_refused_with_what_disagrees() {
        let cases: [(Parts, &str); 6] = [
            (
                Parts {
                    header_length: "1000000000000000".into(),
                    ..Parts::default()
                },
                "the header declares 1000000000000000 bytes",
            ),
            (
                Parts {
                    order: "0",
                    ..Parts::default()
                },
                "not in subject-predicate-object order",
            ),
            (
                Parts {
                    bitmap_y: bitmap(&[], 0),
                    ..Parts::default()
                },
                "has no bits",
            ),
            (
                Parts {
                    sequence_z: sequence(&[], 1 << 60, 0),
                    ..Parts::default()
                },
                "entries of zero bits",
            ),
            (
                Parts {
                    sequence_z: sequence(&[1, 7], 2, 3),
                    ..Parts::default()
                },
                "ids from 1 to 7, where the dictionary has 1 to 2",
            ),
            (
                Parts {
                    sequence_z: sequence(&[1, 2, 2], 3, 2),
                    ..Parts::default()
                },
                "object positions: 3",
            ),
        ];
        for (parts, message) in cases {
            let error = checked(&file(parts)).unwrap_err();
            assert!(error.contains(message), "{error} (wanted {message})");
        }
        let bytes = file(Parts::default());
        for cut in [0, 3, 40, bytes.len() / 2, bytes.len() - 1] {
            assert!(checked(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn what_the_walk_lets_through_panics_contained() {
        // Two objects in one block, the first without its NUL: the layout
        // holds, but the crate reads past the data for the second.
        let objects = raw_section(2, 2, &[0, 5], b"\"a\"xx".to_vec());
        let bytes = file(Parts {
            objects,
            ..Parts::default()
        });
        check(&bytes[..], bytes.len() as u64).unwrap();
        let hdt = hdt::Hdt::read(&bytes[..]).unwrap();
        let kind = hdt::four_sect_dict::IdKind::Object;
        let caught = crate::guard::budget::contain_panic(|| hdt.dict.id_to_string(2, kind));
        assert!(caught.is_err(), "{caught:?}");
    }
}
