//! Reading what a user hands in (data files, query files, shapes, stdin)
//! without reading forever: only regular files and stdin, at most
//! `--max-input` bytes each. The loader (`loader.rs`), `query` and
//! `validate --shapes` read through here.

use crate::guard::error::{Failure, Kind};
use anyhow::Result;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// Reads a regular file of at most `max` bytes. A device (`/dev/zero`), a
/// pipe or a socket, also through a symbolic link, is refused before any
/// read, and so is a file over the cap; a file that grows while it is read
/// is cut at the cap and refused too.
pub fn read_file(path: &Path, max: u64) -> Result<Vec<u8>> {
    let shown = path.display();
    let file = open_file(path)?;
    if file.metadata().map_or(0, |m| m.len()) > max {
        return Err(too_large(&shown.to_string(), max).into());
    }
    read_capped(file, max, &shown.to_string())
}

/// Opens a regular file for reading; a folder, device, pipe or socket
/// (also through a symbolic link) is refused before any read.
pub fn open_file(path: &Path) -> Result<File> {
    let shown = path.display();
    let metadata = fs::metadata(path).map_err(|e| cannot_read(path, &e))?;
    if !metadata.is_file() {
        let kind = if metadata.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device, pipe or socket)"
        };
        return Err(Failure::new(Kind::Input, format!("cannot read {shown}: {kind}")).into());
    }
    File::open(path).map_err(|e| cannot_read(path, &e).into())
}

/// Reads a gzipped regular file, at most `max` bytes once decompressed
/// (a small file may inflate to any size).
pub fn read_gzip(path: &Path, max: u64) -> Result<Vec<u8>> {
    let file = open_file(path)?;
    let decoder = flate2::read::MultiGzDecoder::new(io::BufReader::new(file));
    read_capped(decoder, max, &path.display().to_string())
}

/// Reads stdin, at most `max` bytes.
pub fn read_stdin(max: u64) -> Result<Vec<u8>> {
    read_capped(io::stdin().lock(), max, "stdin")
}

/// Reads a whole query or shapes file as UTF-8 text (see [`read_file`]).
pub fn read_text(path: &Path, max: u64) -> Result<String> {
    let bytes = read_file(path, max)?;
    String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            Kind::Input,
            format!("cannot read {}: not UTF-8 text", path.display()),
        )
        .into()
    })
}

fn read_capped(reader: impl Read, max: u64, name: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Failure::new(
                Kind::Input,
                format!("cannot read {name}: {}", crate::guard::error::io_reason(&e)),
            )
        })?;
    if bytes.len() as u64 > max {
        return Err(too_large(name, max).into());
    }
    Ok(bytes)
}

fn too_large(name: &str, max: u64) -> Failure {
    Failure::new(
        Kind::TooLarge,
        format!(
            "cannot read {name}: larger than the input limit of {} (raise it with --max-input)",
            show_size(max)
        ),
    )
}

/// "cannot read PATH: reason", for a file or folder that could not be read.
pub fn cannot_read(path: &Path, error: &io::Error) -> Failure {
    Failure::new(
        Kind::Input,
        format!(
            "cannot read {}: {}",
            path.display(),
            crate::guard::error::io_reason(error)
        ),
    )
}

/// A size as people write it: `256 MiB`, `3 GiB`, `512 KiB`, `100 bytes`.
pub fn show_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    match UNITS.iter().find(|(_, size)| bytes >= *size) {
        Some((unit, size)) => format!("{:.1} {unit}", bytes as f64 / *size as f64),
        None => format!("{bytes} bytes"),
    }
}

/// Reads a size such as `512M`, `2G`, `64KiB`, `1.5GB` or `1000000` (bytes);
/// units are binary (K = 1024).
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    let bytes = number * factor as f64;
    (bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sizes_as_people_write_them() {
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("2 GiB"), Some(2 << 30));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("1.5k"), Some(1536));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size("-5M"), None);
        assert_eq!(show_size(256 << 20), "256 MiB");
        assert_eq!(show_size(1536), "1.5 KiB");
    }

    #[test]
    fn refuses_devices_before_reading() {
        let error = read_file(Path::new("/dev/zero"), 10).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot read /dev/zero: not a regular file (a device, pipe or socket)"
        );
    }
}
