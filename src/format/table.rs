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

/// The rows of two articles' values to one question (a stored query with
/// `#+ table: questions`, such as `disagreements`) as the site shows them:
/// one row per question, one column per article with what it states
/// (blank where it says nothing), and how they differ in words (in French
/// under `--lang fr`). The grouping is `view/differences.rs`'s.
pub fn write_questions(
    results: oxigraph::sparql::QueryResults<'_>,
    mut labels: LabelCache<'_>,
    out: &mut impl Write,
) -> Result<()> {
    use crate::view::differences::{Difference, Question};
    let differences = Difference::from_results(results)?;
    let questions = Question::group(&differences);
    let mut articles: Vec<&oxigraph::model::Term> = questions
        .iter()
        .flat_map(|q| q.said.iter().map(|s| &s.article))
        .collect();
    articles.sort_by_key(|a| a.to_string());
    articles.dedup();
    let french = labels.lang().is_some_and(|lang| lang.starts_with("fr"));
    let mut header = vec![
        String::from(if french { "sujet" } else { "subject" }),
        String::from("question"),
    ];
    header.extend(articles.iter().map(|article| match article {
        oxigraph::model::Term::NamedNode(node) => crate::graph::labels::graph_name(node.as_str()),
        other => other.to_string(),
    }));
    header.push(String::from(if french {
        "en quoi ils diffèrent"
    } else {
        "how they differ"
    }));
    let mut rows = Vec::new();
    for question in &questions {
        let mut row = vec![
            labels.display(question.subject.as_ref())?,
            labels.display(question.property.as_ref())?,
        ];
        for article in &articles {
            let mut lines = Vec::new();
            if let Some(said) = question.said.iter().find(|s| &s.article == *article) {
                for (value, property) in &said.values {
                    let value = labels.display(value.as_ref())?;
                    lines.push(match property {
                        Some(property) => {
                            format!("{}: {value}", labels.display(property.as_ref())?)
                        }
                        None => value,
                    });
                }
            }
            row.push(lines.join("\n"));
        }
        let (english, french_words, _) = question.kind.words();
        row.push(String::from(if french { french_words } else { english }));
        rows.push(row);
    }
    let mut table = TableWriter::new(labels, header.iter().map(String::as_str));
    for row in rows {
        table.push_text(row);
    }
    table.write(out)
}
