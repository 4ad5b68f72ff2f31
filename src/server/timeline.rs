//! The timeline page (`/timeline`): broadcasts, prizes, deals and filming,
//! drawn and listed. Called by the router (`server.rs`).
//!
//! [`events`] computes the view from the stored query `timeline` (one
//! event per date and entity, with every article giving that date);
//! [`chart`] draws it as an inline SVG, one lane per kind of event, a year
//! given alone as a band over that year and a full date as a dot; dates
//! the articles give without a year get a strip of their own over the
//! months, since they cannot be placed among the years. [`list`] gives the
//! same events as text, with their sources. No script: the SVG is markup,
//! its colours come from the style sheet (the CSP allows no inline style),
//! and each mark is a link with a title.

use super::lang::{Lang, PageRequest};
use super::layout::{badge, internal, layout, link, max_day, page, stored};
use super::{Answer, HttpError, Shared};
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;

/// One event at one date, with the articles giving that date.
pub struct Event {
    /// The date as the articles give it (ISO 8601: `2017`, `2017-06-01`,
    /// `--06`, `--06-01`).
    pub date: String,
    /// A date given without a year, with the year the curation graph
    /// completes it with (`mk:CompletedDate`); `when` places this one.
    pub completed: Option<String>,
    pub when: When,
    /// `broadcast`, `recognition`, `filming`, `rights launch`.
    pub kind: String,
    pub event: Term,
    pub label: String,
    pub sources: Vec<Term>,
}

/// Where a date falls, as precisely as it was given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// A year, maybe with a month and a day.
    Dated {
        year: i32,
        month: Option<u32>,
        day: Option<u32>,
    },
    /// A month, maybe with a day, in a year not given.
    NoYear { month: u32, day: Option<u32> },
    /// Anything else (kept in the list, not drawn).
    Other,
}

impl When {
    fn parse(date: &str) -> Self {
        let number = |text: &str| text.parse::<u32>().ok();
        if let Some(rest) = date.strip_prefix("--") {
            let mut parts = rest.split('-');
            return match (parts.next().and_then(number), parts.next().map(number)) {
                (Some(month @ 1..=12), None) => Self::NoYear { month, day: None },
                (Some(month @ 1..=12), Some(Some(day))) if (1..=max_day(month)).contains(&day) => {
                    Self::NoYear {
                        month,
                        day: Some(day),
                    }
                }
                _ => Self::Other,
            };
        }
        let mut parts = date.splitn(3, '-');
        let year = parts.next().and_then(|y| y.parse::<i32>().ok());
        let month = parts.next().map(number);
        let day = parts.next().map(|d| number(d.get(..2).unwrap_or(d)));
        match (year, month, day) {
            (Some(year), None, None) => Self::Dated {
                year,
                month: None,
                day: None,
            },
            (Some(year), Some(Some(month @ 1..=12)), None) => Self::Dated {
                year,
                month: Some(month),
                day: None,
            },
            (Some(year), Some(Some(month @ 1..=12)), Some(Some(day)))
                if (1..=max_day(month)).contains(&day) =>
            {
                Self::Dated {
                    year,
                    month: Some(month),
                    day: Some(day),
                }
            }
            _ => Self::Other,
        }
    }

    /// The span it covers, in years from the start of `first` (a year
    /// given alone covers the year; a month, the month; a day is a point).
    fn span(self, first: i32) -> Option<(f64, f64)> {
        let Self::Dated { year, month, day } = self else {
            return None;
        };
        // In f64: years far apart (data can say year 1 and year 9999)
        // must not overflow.
        let start = f64::from(year) - f64::from(first);
        Some(match (month, day) {
            (None, _) => (start, start + 1.0),
            (Some(month), None) => {
                let from = start + f64::from(month - 1) / 12.0;
                (from, from + 1.0 / 12.0)
            }
            (Some(month), Some(day)) => {
                let at = start + f64::from(month - 1) / 12.0 + f64::from(day - 1) / 365.0;
                (at, at)
            }
        })
    }

    /// Within one year (for dates without a year): months from January.
    fn in_year(self) -> Option<(f64, f64)> {
        let Self::NoYear { month, day } = self else {
            return None;
        };
        let from = f64::from(month - 1);
        Some(match day {
            None => (from, from + 1.0),
            Some(day) => {
                let at = from + f64::from(day - 1) / 31.0;
                (at, at)
            }
        })
    }
}

/// The timeline's events, from the stored query, each (date, entity) once
/// with all its sources, in the query's order.
pub fn events(
    state: &super::AppState,
    graph: &Graph,
    budget: &Budget,
    lang: Lang,
) -> Result<Vec<Event>, HttpError> {
    let QueryResults::Solutions(solutions) = stored(state, graph, budget, "timeline", &[])? else {
        return Err(Failure::new(Kind::Internal, "the timeline query is not a SELECT").into());
    };
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    let mut events: Vec<Event> = Vec::new();
    let mut seen: std::collections::HashMap<(String, String, Term), usize> =
        std::collections::HashMap::new();
    for solution in solutions {
        let solution = solution.map_err(|e| internal(&e.into()))?;
        let get = |name: &str| solution.get(name).cloned();
        let (Some(date), Some(kind), Some(event)) = (get("date"), get("kind"), get("event")) else {
            continue;
        };
        let text = |term: &Term| match term {
            Term::Literal(literal) => literal.value().to_owned(),
            other => other.to_string(),
        };
        let (date, kind) = (text(&date), text(&kind));
        let completed = get("completed").map(|date| text(&date));
        let source = get("source");
        let key = (date.clone(), kind.clone(), event.clone());
        if let Some(&same) = seen.get(&key) {
            events[same].sources.extend(source);
            continue;
        }
        seen.insert(key, events.len());
        let label = match &event {
            Term::NamedNode(node) => labels
                .get(node.as_ref().into())
                .map_err(|e| internal(&e))?
                .map_or_else(|| labels::compact(node.as_str()), str::to_owned),
            other => other.to_string(),
        };
        events.push(Event {
            when: When::parse(completed.as_deref().unwrap_or(&date)),
            date,
            completed,
            kind,
            event,
            label,
            sources: source.into_iter().collect(),
        });
    }
    Ok(events)
}

/// `GET /timeline`.
pub async fn timeline(
    State(state): State<Shared>,
    PageRequest { lang, .. }: PageRequest,
) -> Response {
    let shared = state.clone();
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        let events = events(&shared, graph, budget, lang)?;
        Ok(page(layout(
            lang,
            lang.t("Timeline", "Chronologie"),
            "/timeline",
            html! {
                h1 { (lang.t("Timeline", "Chronologie")) }
                p { (lang.t("Broadcasts, rights launches, prizes and filming, each date as precise as the article that gives it: a year given alone is a band over that year, a full date a dot.",
                            "Diffusions, lancements de droits, prix et tournage, chaque date aussi précise que l'article qui la donne : une année seule est une bande sur l'année, une date complète un point.")) }
                (chart(&events, &shared.site, lang))
                h2 { (lang.t("Every date, with its sources", "Toutes les dates, avec leurs sources")) }
                (list(&events, &shared.site, lang))
            },
        )))
    };
    super::answer(&state, work).await
}

/// A kind of event in the page's language.
fn kind_name(kind: &str, lang: Lang) -> &str {
    match (kind, lang) {
        ("broadcast", Lang::Fr) => "diffusion",
        ("recognition", Lang::Fr) => "distinction",
        ("filming", Lang::Fr) => "tournage",
        ("rights launch", Lang::Fr) => "lancement des droits",
        _ => kind,
    }
}

/// The CSS class of a kind (`kind-rights-launch`), for its colour.
fn kind_class(kind: &str) -> String {
    let slug: String = kind
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("kind-{slug}")
}

/// The events as a list, each with its date in words and its sources.
pub fn list(events: &[Event], site: &super::Site, lang: Lang) -> Markup {
    html! {
        ol.timeline {
            @for event in events {
                li class=(kind_class(&event.kind)) {
                    // `datetime` only holds what HTML accepts there: a
                    // year, a date, a month-day.
                    time datetime=[(event.when != When::Other).then_some(event.completed.as_ref().unwrap_or(&event.date))] { (shown_date(event, lang)) } " "
                    span.kind { (kind_name(&event.kind, lang)) } " "
                    @match &event.event {
                        Term::NamedNode(node) => (link(site, node.as_str(), "", html! { (event.label) })),
                        _ => (event.label),
                    }
                    @for source in &event.sources { " " small.source { (badge(source, site)) } }
                }
            }
        }
    }
}

/// The date as the article gives it, and the year we completed it with.
fn shown_date(event: &Event, lang: Lang) -> String {
    let given = super::layout::human_date(&event.date, lang);
    match &event.completed {
        Some(completed) => format!(
            "{given} ({} {})",
            lang.t("completed as", "complétée en"),
            super::layout::human_date(completed, lang)
        ),
        None => given,
    }
}

/// Geometry of the drawing, in SVG user units (it scales to the page).
const WIDTH: f64 = 1000.0;
const LEFT: f64 = 130.0;
const RIGHT: f64 = 20.0;
const ROW: f64 = 26.0;
const AXIS: f64 = 34.0;
/// About how wide a character of a mark's label is (12-unit font).
const CHAR: f64 = 6.6;

/// A mark placed on a lane: its span in user units, its sub-row, and
/// whether its label goes to its left (it would pass the right edge).
struct Placed<'e> {
    event: &'e Event,
    from: f64,
    to: f64,
    row: usize,
    label_left: bool,
}

/// Puts each mark on the first sub-row of its lane where neither it nor
/// its label overlaps another.
fn stack<'e>(marks: Vec<(&'e Event, f64, f64)>) -> (Vec<Placed<'e>>, usize) {
    let mut rows: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut placed = Vec::new();
    for (event, from, to) in marks {
        let label = 10.0 + CHAR * event.label.chars().count() as f64;
        let label_left = from + label > WIDTH - 4.0 && from - label >= 0.0;
        let taken = if label_left {
            (from - label, to)
        } else {
            (from, from.max(to).max(from + label))
        };
        let free = |row: &Vec<(f64, f64)>| {
            row.iter()
                .all(|&(start, end)| taken.1 + 6.0 <= start || end + 6.0 <= taken.0)
        };
        let row = match rows.iter().position(free) {
            Some(row) => row,
            None => {
                rows.push(Vec::new());
                rows.len() - 1
            }
        };
        rows[row].push(taken);
        placed.push(Placed {
            event,
            from,
            to,
            row,
            label_left,
        });
    }
    let count = rows.len().max(1);
    (placed, count)
}

/// The drawing: the dated events on a years axis, one lane per kind, and
/// the dates without a year on a months strip below.
pub fn chart(events: &[Event], site: &super::Site, lang: Lang) -> Markup {
    let years: Vec<i32> = events
        .iter()
        .filter_map(|e| match e.when {
            When::Dated { year, .. } => Some(year),
            _ => None,
        })
        .collect();
    let no_year: Vec<&Event> = events
        .iter()
        .filter(|e| e.when.in_year().is_some())
        .collect();
    let strip = html! {
        @if !no_year.is_empty() {
            (months_strip(&no_year, site, lang))
        }
    };
    let (Some(&first), Some(&last)) = (years.iter().min(), years.iter().max()) else {
        return strip;
    };
    let span_years = f64::from(last) - f64::from(first) + 1.0;
    // At most about a dozen year lines whatever the data spans (year 1 to
    // 9999 must not draw ten thousand), and quarters only over a few years.
    let step = (span_years / 12.0).ceil().max(1.0);
    let years_drawn: Vec<i32> = (0..)
        .map(|i| f64::from(first) + f64::from(i) * step)
        .take_while(|&year| year <= f64::from(last))
        .take(13)
        .map(|year| year as i32)
        .collect();
    let quarters = span_years <= 4.0;
    let scale = (WIDTH - LEFT - RIGHT) / span_years;
    let x = |years_in: f64| LEFT + years_in * scale;
    let mut kinds: Vec<&str> = Vec::new();
    for event in events {
        if matches!(event.when, When::Dated { .. }) && !kinds.contains(&event.kind.as_str()) {
            kinds.push(&event.kind);
        }
    }
    // Each lane: its kind, its marks stacked, its top and height.
    let mut lanes = Vec::new();
    let mut top = AXIS;
    for kind in &kinds {
        let marks = events
            .iter()
            .filter(|e| e.kind == *kind)
            .filter_map(|e| e.when.span(first).map(|(a, b)| (e, x(a), x(b))))
            .collect();
        let (placed, rows) = stack(marks);
        let height = rows as f64 * ROW + 8.0;
        lanes.push((*kind, placed, top, height));
        top += height;
    }
    let height = top + 6.0;
    let title = lang.t(
        "Timeline of the dated events",
        "Chronologie des événements datés",
    );
    html! {
        div.chart-scroll {
            svg.chart viewBox={"0 0 " (WIDTH) " " (height)} role="group" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                title { (title) }
                // Years, with a tick every quarter.
                @for &year in &years_drawn {
                    @let x0 = x(f64::from(year) - f64::from(first));
                    line.year x1=(x0) x2=(x0) y1="18" y2=(height) {}
                    text.year x=(x0 + 4.0) y="14" { (year) }
                    @for quarter in (1..4).filter(|_| quarters) {
                        @let xq = x(f64::from(year) - f64::from(first) + f64::from(quarter) / 4.0);
                        line.quarter x1=(xq) x2=(xq) y1="24" y2=(height) {}
                    }
                }
                @let x_end = x(span_years);
                line.year x1=(x_end) x2=(x_end) y1="18" y2=(height) {}
                @for (kind, placed, lane_top, lane_height) in &lanes {
                    g class=(kind_class(kind)) {
                        rect.lane x="0" y=(lane_top) width=(WIDTH) height=(lane_height) {}
                        text.lane-name x="8" y=(lane_top + ROW * 0.5 + 8.0) { (kind_name(kind, lang)) }
                        @for mark in placed {
                            @let y = lane_top + 4.0 + mark.row as f64 * ROW + ROW / 2.0;
                            (mark_link(mark, y, site, lang))
                        }
                    }
                }
            }
        }
        (strip)
    }
}

/// One mark: a band for a year or a month, a dot for a day, its label,
/// all one link to the event, with the date and sources as its title.
fn mark_link(mark: &Placed<'_>, y: f64, site: &super::Site, lang: Lang) -> Markup {
    let event = mark.event;
    let sources: Vec<String> = event
        .sources
        .iter()
        .map(|s| match s {
            Term::NamedNode(node) => labels::graph_name(node.as_str()),
            other => other.to_string(),
        })
        .collect();
    let tip = format!(
        "{} · {} · {}",
        event.label,
        shown_date(event, lang),
        sources.join(", ")
    );
    let is_point = (mark.to - mark.from).abs() < 0.5;
    let (label_x, anchor) = match (mark.label_left, is_point) {
        (true, _) => (mark.from - 9.0, "end"),
        (false, true) => (mark.from + 9.0, "start"),
        (false, false) => (mark.from + 6.0, "start"),
    };
    let shape = html! {
        title { (tip) }
        @if is_point {
            circle.mark cx=(mark.from) cy=(y) r="6" {}
        } @else {
            rect.band x=(mark.from) y=(y - 9.0) width=(mark.to - mark.from) height="18" rx="4" {}
        }
        text.label x=(label_x) y=(y + 4.0) text-anchor=(anchor) { (event.label) }
    };
    let href = match &event.event {
        Term::NamedNode(node) => site.href(node.as_str()),
        _ => None,
    };
    match href {
        Some(href) => html! { a href=(href) { (shape) } },
        None => shape,
    }
}

/// The dates given without a year, on one year's months.
fn months_strip(events: &[&Event], site: &super::Site, lang: Lang) -> Markup {
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const FR: [&str; 12] = [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ];
    let names = match lang {
        Lang::En => EN,
        Lang::Fr => FR,
    };
    let scale = (WIDTH - LEFT - RIGHT) / 12.0;
    let x = |months: f64| LEFT + months * scale;
    let marks = events
        .iter()
        .filter_map(|e| e.when.in_year().map(|(a, b)| (*e, x(a), x(b))))
        .collect();
    let (placed, rows) = stack(marks);
    let height = AXIS + rows as f64 * ROW + 14.0;
    let title = lang.t(
        "Dates the articles give without a year",
        "Dates que les articles donnent sans année",
    );
    html! {
        div.chart-scroll {
            svg.chart.no-year viewBox={"0 0 " (WIDTH) " " (height)} role="group" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                title { (title) }
                text.lane-name x="8" y=(AXIS + ROW / 2.0 + 4.0) { (lang.t("year not given", "année non précisée")) }
                @for (month, name) in names.iter().enumerate() {
                    @let xm = x(month as f64);
                    line.quarter x1=(xm) x2=(xm) y1="18" y2=(height) {}
                    text.month x=(xm + 3.0) y="14" { (name) }
                }
                @let x_end = x(12.0);
                line.quarter x1=(x_end) x2=(x_end) y1="18" y2=(height) {}
                @for mark in &placed {
                    @let y = AXIS + mark.row as f64 * ROW + ROW / 2.0;
                    g class=(kind_class(&mark.event.kind)) { (mark_link(mark, y, site, lang)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeline_spanning_millennia_draws_a_bounded_axis() {
        let event = |date: &str| Event {
            date: date.to_owned(),
            completed: None,
            when: When::parse(date),
            kind: "broadcast".to_owned(),
            event: Term::from(oxigraph::model::Literal::new_simple_literal("x")),
            label: "x".to_owned(),
            sources: Vec::new(),
        };
        let events = vec![event("1"), event("2147483647"), event("2017-06-01")];
        let site = super::super::Site::new("http://127.0.0.1:1/");
        let drawn = chart(&events, &site, Lang::En).into_string();
        assert!(drawn.matches("<line").count() < 40, "{}", drawn.len());
        assert!(!drawn.contains("NaN") && !drawn.contains("inf"), "{drawn}");
    }

    #[test]
    fn dates_without_a_year_are_drawn_even_alone() {
        let event = Event {
            date: "--06-01".to_owned(),
            completed: None,
            when: When::parse("--06-01"),
            kind: "broadcast".to_owned(),
            event: Term::from(oxigraph::model::Literal::new_simple_literal("x")),
            label: "x".to_owned(),
            sources: Vec::new(),
        };
        let site = super::super::Site::new("http://127.0.0.1:1/");
        let drawn = chart(&[event], &site, Lang::En).into_string();
        assert!(drawn.contains("<circle class=\"mark\""), "{drawn}");
    }

    #[test]
    fn dates_are_placed_as_precisely_as_given() {
        assert_eq!(
            When::parse("2017"),
            When::Dated {
                year: 2017,
                month: None,
                day: None
            }
        );
        assert_eq!(When::parse("2017").span(2017), Some((0.0, 1.0)));
        let (at, same) = When::parse("2018-12-30").span(2017).unwrap();
        assert_eq!(at, same);
        assert!(at > 1.99 && at < 2.0, "{at}");
        assert_eq!(
            When::parse("--06-01"),
            When::NoYear {
                month: 6,
                day: Some(1)
            }
        );
        assert_eq!(When::parse("--06").in_year(), Some((5.0, 6.0)));
        assert_eq!(When::parse("--13"), When::Other);
        assert_eq!(When::parse("--02-30"), When::Other);
        assert_eq!(When::parse("2017-04-31"), When::Other);
        assert!(matches!(When::parse("--02-29"), When::NoYear { .. }));
        assert_eq!(When::parse("2017-13-01"), When::Other);
        assert_eq!(When::parse("sometime"), When::Other);
        assert_eq!(When::parse("2017-06").span(2017), Some((5.0 / 12.0, 0.5)));
    }
}
