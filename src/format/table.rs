//! Tables for people: IRIs compacted and followed by their label, literals
//! shown as their bare lexical value, terminal controls in the data made
//! inert, and the whole fitted to the terminal's width (`--width`), long
//! cells wrapped. Every table of the commands goes through [`fit`].

use crate::graph::labels::LabelCache;
use anyhow::Result;
use comfy_table::{presets, ContentArrangement, Table};
use std::io::Write;
use std::sync::OnceLock;

/// The width tables are fitted to, set once from the configuration
/// (`commands::run`): `None` leaves them as wide as their cells.
static WIDTH: OnceLock<Option<u16>> = OnceLock::new();

/// Sets the width every table of this process is fitted to; the first call
/// wins (a process runs one command).
pub fn set_width(width: Option<u16>) {
    let _ = WIDTH.set(width);
}

/// The terminal's width when stdout is one (`TIOCGWINSZ`), else `None`: a
/// table written to a pipe or a file keeps its cells whole.
pub fn terminal_width() -> Option<u16> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    // SAFETY: TIOCGWINSZ fills the winsize it is given and reads nothing
    // else; on failure it is left zeroed and ignored.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let done = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (done == 0 && size.ws_col > 0).then_some(size.ws_col)
}

/// Fits `table` to the configured width, wrapping cells where they must.
pub fn fit(table: &mut Table) {
    if let Some(Some(width)) = WIDTH.get() {
        table.set_content_arrangement(ContentArrangement::Dynamic);
        table.set_width(*width);
    }
}

/// Collects rows, then prints them as one comfy-table.
pub struct TableWriter<'a> {
    labels: LabelCache<'a>,
    table: Table,
}

impl<'a> TableWriter<'a> {
    pub fn new<'h>(labels: LabelCache<'a>, header: impl IntoIterator<Item = &'h str>) -> Self {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        table.set_header(header);
        fit(&mut table);
        Self { labels, table }
    }

    /// Adds a row of terms; unbound values are empty cells.
    pub fn push<'t>(
        &mut self,
        row: impl IntoIterator<Item = Option<&'t oxigraph::model::Term>>,
    ) -> Result<()> {
        let mut cells = Vec::new();
        for term in row {
            cells.push(match term {
                None => String::new(),
                Some(term) => {
                    crate::guard::error::inert(&self.labels.display(term.as_ref())?).into_owned()
                }
            });
        }
        self.table.add_row(cells);
        Ok(())
    }

    /// Adds a row of ready-made text.
    pub fn push_text(&mut self, row: impl IntoIterator<Item = String>) {
        self.table.add_row(
            row.into_iter()
                .map(|cell| crate::guard::error::inert(&cell).into_owned()),
        );
    }

    pub fn write(self, out: &mut impl Write) -> Result<()> {
        writeln!(out, "{}", self.table)?;
        Ok(())
    }
}
