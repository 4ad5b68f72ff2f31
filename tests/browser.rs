//! The pages in a real browser: Debian's Chromium, headless, driven by
//! Playwright (PyPI), opens home, search, an entity, the cast, a
//! disagreement, an article, the query editor and the timeline, checks what
//! a person sees there, and that no page logs an error (a blocked script
//! or style would). `.ci/run` installs both and sets
//! MISSIONS_KG_REQUIRE_BROWSER (CI=true requires it too); elsewhere the
//! test says it skipped.
//! With MISSIONS_KG_SCREENSHOTS=DIR the screenshots are kept there (the
//! README's come from `docs/screenshots`).

mod common;

use common::Served;
use std::process::{Command, Stdio};

#[test]
fn a_person_finds_the_cast_the_sources_and_the_disagreements() {
    let ready = std::path::Path::new("/usr/bin/chromium").exists()
        && Command::new("python3")
            .args(["-c", "import playwright"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
    if !ready {
        common::skip(
            "MISSIONS_KG_REQUIRE_BROWSER",
            "/usr/bin/chromium or the playwright module is missing",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &[]);
    let shots = std::env::var("MISSIONS_KG_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("screenshots"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/browser.py");
    let output = Command::new("timeout")
        .args(["180", "python3", script, &served.url])
        .arg(&shots)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for check in [
        "home",
        "search",
        "entity",
        "cast",
        "disagreement",
        "article",
        "editor highlighting",
        "editor prefix completion",
        "editor property completion",
        "query",
        "query without scripts",
        "timeline",
        "french",
        "phone",
        "console",
    ] {
        assert!(
            stdout.lines().any(|line| line == format!("ok {check}")),
            "{check}: {stdout}"
        );
    }
    assert!(shots.join("cast.png").is_file());
}
