use std::sync::Arc;

use bytes::Bytes;

use super::*;
use crate::msg::{Origin, Timestamp};
use crate::parse::{parse, ParseOptions};

fn now() -> Timestamp {
    crate::msg::timestamp::parse_rfc3339(b"2026-11-23T01:02:03.456789+00:00")
        .unwrap()
        .0
}

fn msg(raw: &str) -> Message {
    let origin = Arc::new(Origin::new("fromhost", "127.0.0.1", "imtcp"));
    parse(
        Bytes::copy_from_slice(raw.as_bytes()),
        &origin,
        now(),
        &ParseOptions::default(),
    )
}

fn render(t: &Template, raw: &str) -> String {
    let env = Env::new(now(), "myhost");
    let mut out = Vec::new();
    t.render(&msg(raw), &env, &mut RenderBuf::new(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn string(text: &str) -> Template {
    Template::from_string("t", text, Syntax::Legacy).unwrap()
}

const M: &str = "<34>Oct  1 22:14:15 mymachine su[42]: 'su root' failed for lonvick";

#[test]
fn builtins() {
    for name in BUILTIN_NAMES {
        assert!(Template::builtin(name).is_some(), "{name}");
    }
    let t = Template::builtin("RSYSLOG_TraditionalFileFormat").unwrap();
    assert_eq!(
        render(&t, M),
        "Oct  1 22:14:15 mymachine su[42]: 'su root' failed for lonvick\n"
    );
    let t = Template::builtin("RSYSLOG_ForwardFormat").unwrap();
    assert_eq!(
        render(&t, M),
        "<34>2026-10-01T22:14:15+00:00 mymachine su[42]: 'su root' failed for lonvick"
    );
    let t = Template::builtin("RSYSLOG_SyslogProtocol23Format").unwrap();
    assert_eq!(
        render(&t, M),
        "<34>1 2026-10-01T22:14:15+00:00 mymachine su 42 - -  'su root' failed for lonvick\n"
    );
}

#[test]
fn positions_fields_and_case() {
    assert_eq!(render(&string("%msg:2:5%"), M), "'su ");
    assert_eq!(render(&string("%msg:5%"), M), " 'su ");
    assert_eq!(render(&string("%msg:3:1:pos-end-relative%"), M), "ick");
    assert_eq!(render(&string("%msg:F,32:3%"), M), "root'");
    assert_eq!(render(&string("%msg:F,32:9%"), M), "**FIELD NOT FOUND**");
    assert_eq!(render(&string("%hostname:::uppercase%"), M), "MYMACHINE");
    assert_eq!(
        render(&string("%programname:1:10:fixed-width%|"), M),
        "su        |"
    );
}

#[test]
fn regex_extraction() {
    assert_eq!(
        render(&string("%msg:R,ERE,1,DFLT:for ([a-z]+)--end%"), M),
        "lonvick"
    );
    assert_eq!(
        render(&string("%msg:R,ERE,0,DFLT:xyz--end%"), M),
        "**NO MATCH**"
    );
    assert_eq!(render(&string("%msg:R,ERE,0,ZERO:xyz--end%"), M), "0");
    assert_eq!(render(&string("%msg:R,ERE,0,BLANK:xyz--end%"), M), "");
    assert_eq!(render(&string("%msg:R:f\\(ai\\)l--end%"), M), "fail");
    assert_eq!(render(&string("%msg:R,ERE,0,DFLT,1:o[a-z]--end%"), M), "or");
}

#[test]
fn formats() {
    let m = "<13>Oct  1 22:14:15 h t: a\"b/c";
    assert_eq!(render(&string("%msg:::json%"), m), r#" a\"b\/c"#);
    assert_eq!(
        render(&string("%msg:::jsonf:message%"), m),
        r#""message":" a\"b\/c""#
    );
    assert_eq!(render(&string("%msg:::csv%"), m), r#"" a""b/c""#);
    assert_eq!(render(&string("%msg:::secpath-replace%"), m), " a\"b_c");
    assert_eq!(render(&string("%msg:::sp-if-no-1st-sp%"), m), "");
    assert_eq!(render(&string("%syslogtag:::sp-if-no-1st-sp%"), m), " ");
}

#[test]
fn list_template_jsonf() {
    let steps = vec![
        Step::Field(Box::new(
            parse_list_property(&[("name", "msg"), ("format", "jsonf")]).unwrap(),
        )),
        Step::Field(Box::new(
            parse_list_property(&[
                ("name", "hostname"),
                ("outname", "host"),
                ("format", "jsonf"),
            ])
            .unwrap(),
        )),
        parse_list_constant(&[("value", b"1"), ("outname", b"ver"), ("format", b"jsonf")]).unwrap(),
    ];
    let t = Template::from_steps("j", steps).with_jsonf(true);
    assert_eq!(
        render(&t, "<13>Oct  1 22:14:15 h1 t: hi"),
        "{\"msg\":\" hi\", \"host\":\"h1\", \"ver\": \"1\"}\n"
    );
}

#[test]
fn variable_names_are_lower_cased_unless_case_sensitive() {
    // Keys compare ignoring case (the default), so the value is found
    // either way; the key jsonf writes shows what option.caseSensitive did.
    let mut m = msg("<13>Oct  1 22:14:15 h1 t: hi");
    let user = crate::msg::json::Path::parse("user");
    m.vars_mut()
        .set(
            crate::msg::vars::VarScope::Message,
            &user,
            crate::msg::json::Json::str(b"alice"),
            false,
        )
        .unwrap();
    let text = "%$!User:::jsonf%|%msg%";
    let env = Env::new(now(), "myhost");
    for (sensitive, want) in [
        (false, "\"user\":\"alice\"| hi"),
        (true, "\"User\":\"alice\"| hi"),
    ] {
        let t = Template::from_string("t", text, Syntax::RainerScript)
            .unwrap()
            .with_case_sensitive(sensitive);
        let mut out = Vec::new();
        t.render(&m, &env, &mut RenderBuf::new(), &mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            want,
            "caseSensitive={sensitive}"
        );
    }
}

#[test]
fn dates() {
    let m = "<13>1 2026-03-05T07:08:09.123456+01:00 h a - - - x";
    assert_eq!(
        render(&string("%timestamp:::date-mysql%"), m),
        "20260305070809"
    );
    assert_eq!(
        render(&string("%timestamp:::date-rfc3339,date-utc%"), m),
        "2026-03-05T06:08:09.123456+00:00"
    );
    assert_eq!(render(&string("%timestamp:::date-ordinal%"), m), "064");
    assert_eq!(render(&string("%$year%-%$month%"), m), "2026-11");
}

#[test]
fn errors_name_the_offset() {
    let e = Template::from_string("t", "x %hostnme% y", Syntax::Legacy).unwrap_err();
    assert_eq!(e.offset, 3);
    assert!(e.message.contains("did you mean 'hostname'"), "{e}");
    assert!(Template::from_string("t", "%msg", Syntax::Legacy).is_err());
    assert!(Template::from_string("t", "%msg:R,ERE,0:abc%", Syntax::Legacy).is_err());
    assert!(Template::from_string("t", "%msg:::bogus%", Syntax::Legacy).is_err());
    assert!(Template::from_string("t", "%msg:F,32+:2%", Syntax::Legacy).is_err());
}

#[test]
fn legacy_escapes_as_rsyslog() {
    // Checked against rsyslogd 8.2302: `\t` is a literal t, `\101` is the
    // byte 101 in decimal ('e'), `\%` a percent sign, `\\` a backslash.
    let t = Template::from_string("t", r"%msg%\t|\101|\%|\\|\n", Syntax::Legacy).unwrap();
    assert_eq!(
        render(&t, "<13>Oct 11 22:14:15 host tag: hi"),
        " hit|e|%|\\|\n"
    );
}
