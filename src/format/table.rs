//! Tables for people: IRIs compacted and followed by their label, literals
//! shown as their bare lexical value, terminal controls in the data made
//! inert.

use crate::graph::labels::LabelCache;
use anyhow::Result;
use comfy_table::{presets, Table};
use std::io::Write;

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
