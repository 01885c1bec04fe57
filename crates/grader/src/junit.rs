//! JUnit XML, the format CI dashboards read: a `<testsuite>` per exercise,
//! a `<testcase>` per check (or per test of a result), failures with their
//! reason.

use quick_xml::escape::escape;

use crate::check::ExerciseCheck;

/// `grader check` as JUnit XML.
pub fn checks(checks: &[ExerciseCheck]) -> String {
    let tests: usize = checks.iter().map(|check| check.findings.len()).sum();
    let failures: usize = checks
        .iter()
        .map(|check| check.findings.iter().filter(|finding| !finding.ok).count())
        .sum();
    let time: f64 = checks
        .iter()
        .map(|check| check.duration.as_secs_f64())
        .sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"grader check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\">\n"
    ));
    for check in checks {
        let failures = check.findings.iter().filter(|finding| !finding.ok).count();
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">\n",
            escape(check.exercise.as_str()),
            check.findings.len(),
            check.duration.as_secs_f64()
        ));
        for finding in &check.findings {
            let name = escape(finding.subject.as_str());
            let class = escape(check.exercise.as_str());
            if finding.ok {
                xml.push_str(&format!(
                    "    <testcase name=\"{name}\" classname=\"{class}\"/>\n"
                ));
            } else {
                let first = finding.message.lines().next().unwrap_or_default();
                xml.push_str(&format!(
                    "    <testcase name=\"{name}\" classname=\"{class}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    escape(first),
                    escape(finding.message.as_str())
                ));
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}
