//! The table-driven proof that nothing is accepted and ignored: every
//! parameter of every module table, set to a value that is not its
//! default, in an otherwise fixed configuration —
//! - a *supported* one changes the typed plan (it reached a field),
//! - a *refused* one is an error at its own file:line:column,
//! - an *accepted with a warning* one warns there, and changes nothing;
//!
//! and the same for every legacy directive a table names. The generated
//! reference, `docs/parameters.md`, must be what the tables say.

use corelog::config::modules::{self, action, global, queue, ruleset, Module, MODULES};
use corelog::config::param::{parse_bool, Param, Status, Table, Type};
use corelog::config::{self, Plan, Pos};

/// A ruleset every configuration here defines, for `ruleset=` samples.
const RULESET: &str =
    "ruleset(name=\"sample\") { action(type=\"omfile\" file=\"/tmp/corelog-params/s\") }\n";

/// A valid value of `p` that is not its default.
fn sample(p: &Param) -> String {
    if let Some(s) = p.sample {
        return s.to_string();
    }
    let default = p.default_value();
    match p.ty {
        Type::Bool => {
            let d = parse_bool(p.default).unwrap_or(false);
            if d { "off" } else { "on" }.into()
        }
        Type::Int { min, .. } | Type::Size { min, .. } | Type::Duration { min, .. } => {
            let d = default.map(|v| format!("{v:?}"));
            if d.as_deref() == Some(&format!("Int({min})")) {
                (min + 1).to_string()
            } else {
                min.to_string()
            }
        }
        Type::Enum(names) => names
            .iter()
            .find(|n| !n.eq_ignore_ascii_case(p.default))
            .expect("an enum has a second name")
            .to_string(),
        Type::Str | Type::Path => "/tmp/corelog-sample".into(),
        Type::Mode => if p.default == "0600" { "0640" } else { "0600" }.into(),
        Type::Char => "x".into(),
        Type::Offset => "-05:30".into(),
        Type::Ports => "5555".into(),
        Type::Severity => "4".into(),
        Type::Facility => "local3".into(),
        Type::Template if p.default == "RSYSLOG_TraditionalFileFormat" => {
            "RSYSLOG_ForwardFormat".into()
        }
        Type::Template => "RSYSLOG_TraditionalFileFormat".into(),
        Type::Ruleset => "sample".into(),
        Type::Array => "a".into(),
    }
}

/// Everything the runtime is given, to compare.
fn fingerprint(plan: &Plan) -> String {
    let queues: Vec<_> = plan
        .rulesets
        .iter()
        .map(|r| (&r.queue, &r.parsers))
        .collect();
    let inputs: Vec<_> = plan.inputs.iter().map(|i| (&i.config, i.ruleset)).collect();
    let actions: Vec<_> = plan
        .actions
        .iter()
        .map(|a| {
            let dynafile = a.dynafile.as_ref().map(|t| t.name().to_string());
            (&a.common, &a.output, a.template.name(), dynafile, &a.queue)
        })
        .collect();
    // Statements too: message modifiers live there.
    let rules = plan.ruleset_bodies();
    format!(
        "{:?}\n{inputs:?}\n{actions:?}\n{:?}\n{queues:?}\n{rules:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        plan.globals,
        plan.main_queue,
        plan.impstats,
        plan.klog,
        plan.mark,
        plan.http,
        plan.imfile,
        plan.imkafka
    )
}

/// A configuration with `object` (which holds `{}` where the parameter
/// goes), and the place of the parameter in it.
struct Case {
    text: String,
    at: Option<(u32, u32)>,
}

fn case(object: &str, param: Option<(&str, &str)>) -> Case {
    let setting = param.map(|(n, v)| format!("{n}=\"{v}\""));
    // A parameter the object has already (a required one) is replaced.
    let given = param.and_then(|(n, _)| {
        let start = object.find(&format!(" {n}=\""))? + 1;
        let end = start + n.len() + 2 + object[start + n.len() + 2..].find('"')? + 1;
        Some(start..end)
    });
    let line = match (&setting, given) {
        (Some(s), Some(range)) => {
            let mut o = object.to_string();
            o.replace_range(range, s);
            o.replace("{}", "")
        }
        _ => object.replace("{}", setting.as_deref().unwrap_or("")),
    };
    let text = format!("{RULESET}{line}\n*.* /tmp/corelog-params/a\n");
    let at = setting.map(|s| {
        let mut line_no = 0;
        for (i, l) in text.lines().enumerate() {
            if let Some(col) = l.find(&s) {
                line_no = i as u32 + 1;
                return (line_no, col as u32 + 1);
            }
        }
        panic!("{s} not found in {text} ({line_no})");
    });
    Case { text, at }
}

fn load(c: &Case) -> Result<Plan, config::ConfigErrors> {
    config::load_str("t.conf", &c.text)
}

/// Where a parameter of `table` goes, and the parameters the object
/// already has (the test replaces them when it sets one of them).
fn object_for(table: &'static Table, p: &Param) -> Option<String> {
    // Parameters that count only beside another.
    let keepalive = match p.name {
        n if n.starts_with("keepAlive.") => " keepAlive=\"on\"",
        "parseHostname" => " useSpecialParser=\"off\"",
        "useSpecialParser" => " parseHostname=\"on\"",
        "sysSock.parseHostname" => " sysSock.useSpecialParser=\"off\"",
        "sysSock.useSpecialParser" => " sysSock.parseHostname=\"on\"",
        _ => "",
    };
    let input = |m: &str, base: &str| {
        format!("module(load=\"{m}\")\ninput(type=\"{m}\" {base}{keepalive} {{}})")
    };
    let module =
        |m: &str, instance: &str| format!("module(load=\"{m}\" {{}}{keepalive})\n{instance}");
    // dynaFile takes the place of file.
    let omfile_file = if p.name == "dynaFile" {
        ""
    } else {
        "file=\"/tmp/corelog-params/f\""
    };
    let target = "target=\"127.0.0.1\"";
    let is = |t: &Table| std::ptr::eq(table, t);
    Some(match () {
        _ if is(&global::TABLE) => "global({})".into(),
        _ if is(&queue::TABLE) => "main_queue({})".into(),
        _ if is(&ruleset::MAIN_QUEUE) => "main_queue({})".into(),
        _ if is(&ruleset::RULESET) && p.name == "name" => return None,
        _ if is(&ruleset::RULESET) => {
            "ruleset(name=\"r\" {}) { action(type=\"omfile\" file=\"/tmp/corelog-params/r\") }"
                .into()
        }
        _ if is(&action::TABLE) => {
            if p.name == "type" {
                return None;
            }
            "*.* action(type=\"omfile\" file=\"/tmp/corelog-params/f\" {})".into()
        }
        _ if is(&modules::imtcp::MODULE) => module("imtcp", "input(type=\"imtcp\" port=\"5514\")"),
        _ if is(&modules::imptcp::MODULE) => {
            module("imptcp", "input(type=\"imptcp\" port=\"5514\")")
        }
        _ if is(&modules::imudp::MODULE) => module("imudp", "input(type=\"imudp\" port=\"5514\")"),
        _ if is(&modules::imuxsock::MODULE) => module("imuxsock", ""),
        _ if is(&modules::imrelp::MODULE) => {
            module("imrelp", "input(type=\"imrelp\" port=\"2514\")")
        }
        _ if is(&modules::imtcp::INPUT) => input("imtcp", "port=\"5514\""),
        _ if is(&modules::imptcp::INPUT)
            && matches!(p.name, "port" | "address" | "socketBacklog") =>
        {
            input("imptcp", "port=\"5514\"")
        }
        _ if is(&modules::imptcp::INPUT) => input("imptcp", "path=\"/tmp/corelog-params/p.sock\""),
        _ if is(&modules::imudp::INPUT) => input("imudp", "port=\"5514\""),
        _ if is(&modules::imuxsock::INPUT) => {
            input("imuxsock", "socket=\"/tmp/corelog-params/u.sock\"")
        }
        _ if is(&modules::imrelp::INPUT) => input("imrelp", "port=\"2514\""),
        _ if is(&modules::omfile::MODULE) => module(
            "builtin:omfile",
            "*.* action(type=\"omfile\" file=\"/tmp/corelog-params/f\")",
        ),
        _ if is(&modules::omfile::ACTION) => {
            format!("*.* action(type=\"omfile\" {omfile_file} {{}})")
        }
        _ if is(&modules::omfwd::MODULE) => module(
            "builtin:omfwd",
            "*.* action(type=\"omfwd\" target=\"127.0.0.1\")",
        ),
        _ if is(&modules::omfwd::ACTION) => {
            format!("*.* action(type=\"omfwd\" {target}{keepalive} {{}})")
        }
        _ if is(&modules::omrelp::MODULE) => {
            module("omrelp", "*.* action(type=\"omrelp\" target=\"127.0.0.1\")")
        }
        _ if is(&modules::omrelp::ACTION) => {
            format!("module(load=\"omrelp\")\n*.* action(type=\"omrelp\" {target} {{}})")
        }
        // The marks count only with useTransactions, the mode only with
        // an output file.
        _ if is(&modules::omprog::ACTION) => {
            let more = match p.name {
                "beginTransactionMark" | "commitTransactionMark" => " useTransactions=\"on\"",
                "fileCreateMode" => " output=\"/tmp/corelog-params/prog.out\"",
                _ => "",
            };
            format!("module(load=\"omprog\")\n*.* action(type=\"omprog\" binary=\"/bin/true\"{more} {{}})")
        }
        _ if is(&modules::omuxsock::MODULE) => module(
            "omuxsock",
            "*.* action(type=\"omuxsock\" socketName=\"/tmp/corelog-params/u.sock\")",
        ),
        _ if is(&modules::omuxsock::ACTION) => {
            "module(load=\"omuxsock\")\n*.* action(type=\"omuxsock\" socketName=\"/tmp/corelog-params/u.sock\" {})".into()
        }
        _ if is(&modules::omkafka::MODULE) => return None,
        _ if is(&modules::omkafka::ACTION) => {
            // dynaTopic and dynaKey make topic and key template names; the
            // failed-message settings need a disk-assisted action queue.
            let more = match p.name {
                "dynaKey" => " key=\"RSYSLOG_FileFormat\"",
                "keepFailedMessages" | "failedMsgFile" => " queue.type=\"LinkedList\" queue.filename=\"k\"",
                _ => "",
            };
            format!("module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"RSYSLOG_FileFormat\"{more} {{}})")
        }
        _ if is(&modules::imkafka::MODULE) => "module(load=\"imkafka\" {})\ninput(type=\"imkafka\" topic=\"t\" consumergroup=\"g\")".to_string(),
        _ if is(&modules::imkafka::INPUT) && p.name == "type" => return None,
        _ if is(&modules::imkafka::INPUT) => {
            "module(load=\"imkafka\")\ninput(type=\"imkafka\" topic=\"t\" consumergroup=\"g\" {})".to_string()
        }
        _ if is(&modules::omnats::MODULE) => return None,
        _ if is(&modules::omnats::ACTION) => {
            // dynaSubject makes the subject a template's name; a password
            // needs its user.
            let more = match p.name {
                "password" => " user=\"u\"",
                _ => "",
            };
            format!("module(load=\"omnats\")\n*.* action(type=\"omnats\" subject=\"RSYSLOG_FileFormat\"{more} {{}})")
        }
        _ if is(&modules::imklog::MODULE) => module("imklog", ""),
        // A path normalizePath changes.
        _ if is(&modules::imfile::MODULE) => module(
            "imfile",
            "input(type=\"imfile\" file=\"/tmp//corelog-params/x.log\" tag=\"t\")",
        ),
        // file= and tag= are required: the differential test covers them.
        _ if is(&modules::imfile::INPUT) && matches!(p.name, "type" | "file" | "tag") => return None,
        _ if is(&modules::imfile::INPUT) => {
            "module(load=\"imfile\")\ninput(type=\"imfile\" file=\"/tmp/corelog-params/x.log\" tag=\"t\" {})"
                .to_string()
        }
        _ if is(&modules::immark::MODULE) => module("immark", ""),
        _ if is(&modules::impstats::MODULE) => module("impstats", ""),
        _ if is(&modules::imhttp::MODULE) => module("imhttp", ""),
        _ if is(&modules::imhttp::INPUT) => {
            if p.name == "type" {
                return None;
            }
            "module(load=\"imhttp\" ports=\"127.0.0.1:19999\")\ninput(type=\"imhttp\" endpoint=\"/x\" {})"
                .to_string()
        }
        _ if is(&modules::omusrmsg::ACTION) => {
            "*.* action(type=\"omusrmsg\" users=\"root\" {})".into()
        }
        _ if is(&modules::parsers::PMRFC3164) => {
            "parser(name=\"pp\" type=\"pmrfc3164\" {})\n$RulesetParser pp".into()
        }
        _ if is(&modules::parsers::PMSNARE) => {
            "module(load=\"pmsnare\")\nparser(name=\"ps\" type=\"pmsnare\" {})\n$RulesetParser ps"
                .into()
        }
        _ if is(&modules::mm::JSONPARSE) => {
            "module(load=\"mmjsonparse\")\n*.* action(type=\"mmjsonparse\" {})".into()
        }
        _ if is(&modules::mm::PSTRUCDATA) => {
            "module(load=\"mmpstrucdata\")\n*.* action(type=\"mmpstrucdata\" {})".into()
        }
        _ if is(&modules::mm::FIELDS) => {
            "module(load=\"mmfields\")\n*.* action(type=\"mmfields\" {})".into()
        }
        _ if is(&modules::mm::ANON) => {
            "module(load=\"mmanon\")\n*.* action(type=\"mmanon\" {})".into()
        }
        // key= and step= count only in their modes; key mode takes both.
        _ if is(&modules::mm::SEQUENCE) => {
            "module(load=\"mmsequence\")\n*.* action(type=\"mmsequence\" mode=\"key\" {})".into()
        }
        _ if is(&modules::mm::UTF8FIX) => {
            "module(load=\"mmutf8fix\")\n*.* action(type=\"mmutf8fix\" {})".into()
        }
        // Templates, properties and constants are compiled by the template
        // compiler, whose own tests cover their values; a lookup table
        // needs its file (rule::lookup's tests).
        _ => return None,
    })
}

/// A supported TLS setting of an input or action: each counts only beside
/// others (a mode, a driver, certificates, a mode that uses peers), so
/// [`every_tls_setting_reaches_the_tls_configuration`] sets each in a
/// context of its own.
fn is_tls_setting(p: &Param) -> bool {
    let n = p.name.to_ascii_lowercase();
    p.status == Status::Supported
        && (n.starts_with("streamdriver") || n == "permittedpeer" || n.starts_with("tls"))
}

/// Checks one parameter in `object`; returns what was wrong.
fn check(table: &Table, p: &Param, object: &str) -> Result<(), String> {
    let name = format!("{}: {}", table.object, p.name);
    // dynaFile is compared with the same action writing a file.
    let base_object = if p.name == "dynaFile" {
        object.replace("{}", "file=\"/tmp/corelog-params/f\"")
    } else {
        object.to_string()
    };
    let base =
        load(&case(&base_object, None)).map_err(|e| format!("{name}: the base fails:\n{e}"))?;
    if p.name == "type" {
        return Ok(());
    }
    let value = sample(p);
    let c = case(object, Some((p.name, &value)));
    let (line, col) = c.at.expect("a parameter");
    let at = Pos { file: 0, line, col };
    let got = load(&c);
    match p.status {
        Status::Supported => {
            let plan = got.map_err(|e| format!("{name}={value}: refused:\n{e}"))?;
            if fingerprint(&plan) == fingerprint(&base) {
                return Err(format!("{name}={value} reached no field:\n{}", c.text));
            }
        }
        Status::Refused(_) => match got {
            Ok(_) => return Err(format!("{name}={value} was accepted:\n{}", c.text)),
            Err(e) => {
                let hit = e
                    .errors
                    .iter()
                    .any(|e| e.pos == at && e.message.contains("is not supported by corelog"));
                if !hit {
                    return Err(format!("{name}={value}: no refusal at {line}:{col}:\n{e}"));
                }
            }
        },
        Status::Warned(_) => {
            let plan = got.map_err(|e| format!("{name}={value}: refused:\n{e}"))?;
            let warned = plan
                .warnings
                .iter()
                .any(|w| w.pos == at && w.message.contains("has no effect in corelog"));
            if !warned {
                return Err(format!(
                    "{name}={value}: no warning at {line}:{col}: {:?}",
                    plan.warnings
                ));
            }
            if fingerprint(&plan) != fingerprint(&base) {
                return Err(format!(
                    "{name}={value} is warned about but changed the plan"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn every_parameter_of_every_table_does_what_its_status_says() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for t in modules::tables() {
        for p in t.params {
            let Some(object) = object_for(t, p) else {
                continue;
            };
            if is_tls_setting(p) {
                continue;
            }
            checked += 1;
            if let Err(e) = check(t, p, &object) {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(checked > 300, "only {checked} parameters were checked");
}

/// The configuration that uses what a legacy directive of `scope` sets.
fn legacy_user(directive: &str, value: &str, m: Option<&Module>) -> String {
    let load = m
        .map(|m| format!("$ModLoad {}\n", m.name))
        .unwrap_or_default();
    let user = match m.map(|m| m.name) {
        Some("imtcp") => "$InputTCPServerRun 5514\n",
        Some("imptcp") => "$InputPTCPServerRun 5514\n",
        Some("imudp") => "$UDPServerRun 5514\n",
        Some("imrelp") => "$InputRELPServerRun 2514\n",
        Some("imuxsock") => "$AddUnixListenSocket /tmp/corelog-params/l.sock\n",
        Some("omfwd") => "*.* @127.0.0.1\n",
        Some("omuxsock") => "*.* :omuxsock:\n",
        Some("omprog") => "*.* :omprog:\n",
        Some("imfile") => {
            "$InputFileName /tmp/corelog-params/x.log\n$InputFileTag t\n$InputRunFileMonitor\n"
        }
        _ => "",
    };
    let load = if m.is_some_and(|m| m.builtin) {
        String::new()
    } else if m.is_some_and(|m| m.name == "omuxsock") {
        // Every :omuxsock: needs a socket (and :omprog: a program); the
        // directive's line, after this one, sets another.
        format!("{load}$OMUxSockSocket /tmp/corelog-params/base.sock\n")
    } else if m.is_some_and(|m| m.name == "omprog") {
        format!("{load}$ActionOMProgBinary /bin/true\n")
    } else {
        load
    };
    // keepAlive's numbers count only with keepAlive on.
    let keepalive = match directive.to_ascii_lowercase() {
        d if d.starts_with("inputtcpserverkeepalive_") => "$InputTCPServerKeepAlive on\n",
        d if d.starts_with("inputptcpserverkeepalive_") => "$InputPTCPServerKeepAlive on\n",
        d if d.starts_with("actionsendtcpkeepalive_") => "$ActionSendTCPKeepAlive on\n",
        _ => "",
    };
    format!("{RULESET}{load}{keepalive}${directive} {value}\n{user}*.* /tmp/corelog-params/a\n")
}

#[test]
fn every_legacy_directive_of_the_tables_does_what_its_status_says() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut cases: Vec<(&Param, &str, Option<&Module>)> = Vec::new();
    for p in global::TABLE.params.iter().chain(action::TABLE.params) {
        if let Some(l) = p.legacy {
            cases.push((p, &l[1..], None));
        }
    }
    for p in global::LEGACY.params {
        cases.push((p, &p.name[1..], None));
    }
    for m in MODULES.iter().filter(|m| m.refused.is_none()) {
        for t in [m.module, m.instance] {
            for p in t.params.iter().filter(|p| p.legacy.is_some()) {
                // The …ServerRun directives make inputs: tested by the
                // daemon tests.
                let l = p.legacy.unwrap_or_default();
                // $InputFileName and $InputFileTag are what every imfile
                // case needs: the differential test covers them.
                let needed = m.name == "imfile" && matches!(p.name, "file" | "tag");
                if !matches!(p.name, "port" | "socket")
                    && !needed
                    && !cases.iter().any(|c| c.1 == &l[1..])
                {
                    cases.push((p, &l[1..], Some(m)));
                }
            }
        }
    }
    for (p, directive, m) in cases {
        if matches!(directive, "Ruleset" | "RulesetParser" | "ActionName") {
            continue; // handled by the builder; tested with rulesets
        }
        if m.is_some() && is_tls_setting(p) {
            continue; // every_tls_setting_reaches_the_tls_configuration
        }
        checked += 1;
        let value = sample(p);
        let value = match directive {
            _ if p.ty == Type::Array => "a".to_string(),
            // Inverted: it omits the system socket.
            "OmitLocalLogging" => "on".to_string(),
            _ => value,
        };
        let text = legacy_user(directive, &value, m);
        let base = legacy_user(directive, "", m).replace(&format!("${directive} \n"), "");
        let line = text
            .lines()
            .position(|l| l.starts_with('$') && l.contains(directive))
            .unwrap() as u32
            + 1;
        let at = Pos {
            file: 0,
            line,
            col: 1,
        };
        let name = format!("${directive} {value}");
        let base = match config::load_str("t.conf", &base) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{name}: the base fails:\n{e}"));
                continue;
            }
        };
        let got = config::load_str("t.conf", &text);
        let err = match (p.status, got) {
            (Status::Supported, Ok(plan)) if fingerprint(&plan) != fingerprint(&base) => None,
            (Status::Supported, Ok(_)) => Some(format!("{name} reached no field:\n{text}")),
            (Status::Refused(_), Err(e))
                if e.errors
                    .iter()
                    .any(|e| e.pos == at && e.message.contains("is not supported by corelog")) =>
            {
                None
            }
            (Status::Warned(_), Ok(plan))
                if plan
                    .warnings
                    .iter()
                    .any(|w| w.pos == at && w.message.contains("has no effect in corelog")) =>
            {
                None
            }
            (_, Ok(plan)) => Some(format!("{name}: accepted ({:?}):\n{text}", plan.warnings)),
            (_, Err(e)) => Some(format!("{name}:\n{e}\n{text}")),
        };
        failures.extend(err);
    }
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(checked > 60, "only {checked} directives were checked");
}

/// Every supported TLS setting of imtcp, omfwd, imrelp and omrelp (and
/// their legacy directives), each beside what it needs: the plan with it
/// differs from the plan without it (it reached the TLS configuration);
/// and each of the tables' TLS settings is among those checked here.
#[test]
fn every_tls_setting_reaches_the_tls_configuration() {
    let g = "global(defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"/tmp/ca\" \
             defaultNetstreamDriverCertFile=\"/tmp/c\" defaultNetstreamDriverKeyFile=\"/tmp/k\")\n";
    let tcp = |params: &str| {
        format!("{g}module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"5514\" {params})\n")
    };
    let tcp_module = |params: &str| {
        format!("{g}module(load=\"imtcp\" {params})\ninput(type=\"imtcp\" port=\"5514\")\n")
    };
    let fwd = |params: &str| {
        format!("{g}*.* action(type=\"omfwd\" target=\"127.0.0.1\" protocol=\"tcp\" {params})\n")
    };
    let files = "tls.caCert=\"/tmp/ca\" tls.myCert=\"/tmp/c\" tls.myPrivKey=\"/tmp/k\"";
    let relp_in = |params: &str| {
        format!("module(load=\"imrelp\")\ninput(type=\"imrelp\" port=\"2514\" {params})\n")
    };
    let relp_out = |params: &str| {
        format!(
            "module(load=\"omrelp\")\n*.* action(type=\"omrelp\" target=\"127.0.0.1\" {params})\n"
        )
    };
    let nats_out = |params: &str| {
        format!("module(load=\"omnats\")\n*.* action(type=\"omnats\" subject=\"x\" {params})\n")
    };
    let on = "streamDriver.mode=\"1\" streamDriver.authMode=\"x509/certvalid\"";
    let named =
        "streamDriver.mode=\"1\" streamDriver.authMode=\"x509/name\" permittedPeer=[\"b.example\"]";
    let fon = "StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/certvalid\"";
    let rel = format!("tls=\"on\" {files} tls.authMode=\"certvalid\"");
    let reln =
        format!("tls=\"on\" {files} tls.authMode=\"name\" tls.permittedPeer=[\"b.example\"]");
    // (the setting, a configuration without it, one with it)
    let cases: Vec<(&str, String, String)> = vec![
        ("streamDriver.mode", tcp(""), tcp(on)),
        ("streamDriver.mode", tcp_module(""), tcp_module(on)),
        ("streamDriver.name", tcp(on), tcp(&format!("{on} streamDriver.name=\"ossl\""))),
        ("streamDriver.authMode", tcp(on), tcp("streamDriver.mode=\"1\" streamDriver.authMode=\"anon\"")),
        ("permittedPeer", tcp(named), tcp(&named.replace("b.example", "c.example"))),
        ("permittedPeer", tcp_module(named), tcp_module(&named.replace("b.example", "c.example"))),
        ("streamDriver.permitExpiredCerts", tcp(on), tcp(&format!("{on} streamDriver.permitExpiredCerts=\"on\""))),
        ("streamDriver.CheckExtendedKeyPurpose", tcp(on), tcp(&format!("{on} streamDriver.CheckExtendedKeyPurpose=\"on\""))),
        ("streamDriver.PrioritizeSAN", tcp(on), tcp(&format!("{on} streamDriver.PrioritizeSAN=\"on\""))),
        ("streamDriver.TlsVerifyDepth", tcp(on), tcp(&format!("{on} streamDriver.TlsVerifyDepth=\"3\""))),
        ("streamDriver.CAFile", tcp(on), tcp(&format!("{on} streamDriver.CAFile=\"/tmp/x\""))),
        ("streamDriver.CertFile", tcp(on), tcp(&format!("{on} streamDriver.CertFile=\"/tmp/x\""))),
        ("streamDriver.KeyFile", tcp(on), tcp(&format!("{on} streamDriver.KeyFile=\"/tmp/x\""))),
        ("StreamDriverMode", fwd(""), fwd(fon)),
        ("StreamDriver", fwd(fon), fwd(&format!("{fon} StreamDriver=\"ossl\""))),
        ("StreamDriverAuthMode", fwd(fon), fwd("StreamDriverMode=\"1\" StreamDriverAuthMode=\"anon\"")),
        ("StreamDriverPermittedPeers", fwd("StreamDriverMode=\"1\""), fwd("StreamDriverMode=\"1\" StreamDriverPermittedPeers=\"b.example\"")),
        ("streamDriver.permitExpiredCerts", fwd(fon), fwd(&format!("{fon} streamDriver.permitExpiredCerts=\"warn\""))),
        ("streamDriver.CheckExtendedKeyPurpose", fwd(fon), fwd(&format!("{fon} streamDriver.CheckExtendedKeyPurpose=\"on\""))),
        ("streamDriver.PrioritizeSAN", fwd(fon), fwd(&format!("{fon} streamDriver.PrioritizeSAN=\"on\""))),
        ("streamDriver.TlsVerifyDepth", fwd(fon), fwd(&format!("{fon} streamDriver.TlsVerifyDepth=\"3\""))),
        ("streamDriver.CAFile", fwd(fon), fwd(&format!("{fon} streamDriver.CAFile=\"/tmp/x\""))),
        ("streamDriver.CertFile", fwd(fon), fwd(&format!("{fon} streamDriver.CertFile=\"/tmp/x\""))),
        ("streamDriver.KeyFile", fwd(fon), fwd(&format!("{fon} streamDriver.KeyFile=\"/tmp/x\""))),
        ("tls", relp_in(&format!("tls=\"off\" {files}")), relp_in(&format!("tls=\"on\" {files} tls.authMode=\"certvalid\""))),
        ("tls.authMode", relp_in(&rel), relp_in(&reln)),
        ("tls.permittedPeer", relp_in(&reln), relp_in(&reln.replace("b.example", "c.example"))),
        ("tls.caCert", relp_in(&rel), relp_in(&rel.replace("/tmp/ca", "/tmp/x"))),
        ("tls.myCert", relp_in(&rel), relp_in(&rel.replace("/tmp/c\"", "/tmp/x\""))),
        ("tls.myPrivKey", relp_in(&rel), relp_in(&rel.replace("/tmp/k", "/tmp/x"))),
        ("tls", relp_out(""), relp_out(&format!("tls=\"on\" {files} tls.authMode=\"certvalid\""))),
        ("tls.authMode", relp_out(&rel), relp_out(&reln)),
        ("tls.permittedPeer", relp_out(&reln), relp_out(&reln.replace("b.example", "c.example"))),
        ("tls.caCert", relp_out(&rel), relp_out(&rel.replace("/tmp/ca", "/tmp/x"))),
        ("tls.myCert", relp_out(&rel), relp_out(&rel.replace("/tmp/c\"", "/tmp/x\""))),
        ("tls.myPrivKey", relp_out(&rel), relp_out(&rel.replace("/tmp/k", "/tmp/x"))),
        ("tls", nats_out(""), nats_out(&rel)),
        ("tls.authMode", nats_out(&rel), nats_out(&reln)),
        ("tls.permittedPeer", nats_out(&reln), nats_out(&reln.replace("b.example", "c.example"))),
        ("tls.caCert", nats_out(&rel), nats_out(&rel.replace("/tmp/ca", "/tmp/x"))),
        ("tls.myCert", nats_out(&rel), nats_out(&rel.replace("/tmp/c\"", "/tmp/x\""))),
        ("tls.myPrivKey", nats_out(&rel), nats_out(&rel.replace("/tmp/k", "/tmp/x"))),
        // Legacy: each $…PermittedPeer adds one.
        (
            "$InputTCPServerStreamDriverMode",
            format!("{g}$ModLoad imtcp\n$InputTCPServerRun 5514\n"),
            format!("{g}$ModLoad imtcp\n$InputTCPServerStreamDriverMode 1\n$InputTCPServerStreamDriverAuthMode x509/certvalid\n$InputTCPServerRun 5514\n"),
        ),
        (
            "$InputTCPServerStreamDriverAuthMode",
            format!("{g}$ModLoad imtcp\n$InputTCPServerStreamDriverMode 1\n$InputTCPServerStreamDriverAuthMode x509/certvalid\n$InputTCPServerRun 5514\n"),
            format!("{g}$ModLoad imtcp\n$InputTCPServerStreamDriverMode 1\n$InputTCPServerStreamDriverAuthMode anon\n$InputTCPServerRun 5514\n"),
        ),
        (
            "$InputTCPServerStreamDriverPermittedPeer",
            format!("{g}$ModLoad imtcp\n$InputTCPServerStreamDriverMode 1\n$InputTCPServerStreamDriverPermittedPeer b.example\n$InputTCPServerRun 5514\n"),
            format!("{g}$ModLoad imtcp\n$InputTCPServerStreamDriverMode 1\n$InputTCPServerStreamDriverPermittedPeer a.example\n$InputTCPServerStreamDriverPermittedPeer b.example\n$InputTCPServerRun 5514\n"),
        ),
        (
            "$ActionSendStreamDriverMode",
            format!("{g}*.* @@127.0.0.1\n"),
            format!("{g}$ActionSendStreamDriverMode 1\n$ActionSendStreamDriverAuthMode anon\n*.* @@127.0.0.1\n"),
        ),
        (
            "$ActionSendStreamDriver",
            format!("{g}$ActionSendStreamDriverMode 1\n$ActionSendStreamDriverAuthMode anon\n*.* @@127.0.0.1\n"),
            format!("{g}$ActionSendStreamDriver ossl\n$ActionSendStreamDriverMode 1\n$ActionSendStreamDriverAuthMode anon\n*.* @@127.0.0.1\n"),
        ),
        (
            "$ActionSendStreamDriverAuthMode",
            format!("{g}$ActionSendStreamDriverMode 1\n$ActionSendStreamDriverAuthMode anon\n*.* @@127.0.0.1\n"),
            format!("{g}$ActionSendStreamDriverMode 1\n$ActionSendStreamDriverAuthMode x509/certvalid\n*.* @@127.0.0.1\n"),
        ),
        (
            "$ActionSendStreamDriverPermittedPeer",
            format!("{g}$ActionSendStreamDriverMode 1\n$ActionSendStreamDriverPermittedPeer b.example\n*.* @@127.0.0.1\n"),
            format!("{g}$ActionSendStreamDriverMode 1\n$ActionSendStreamDriverPermittedPeer a.example\n$ActionSendStreamDriverPermittedPeer b.example\n*.* @@127.0.0.1\n"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, without, with) in &cases {
        let text = |t: &str| format!("{RULESET}{t}*.* /tmp/corelog-params/a\n");
        match (
            config::load_str("t.conf", &text(without)),
            config::load_str("t.conf", &text(with)),
        ) {
            (Ok(a), Ok(b)) if fingerprint(&a) != fingerprint(&b) => {}
            (Ok(_), Ok(_)) => failures.push(format!("{name} reached no field:\n{with}")),
            (a, b) => failures.push(format!(
                "{name}: {:?} / {:?}\n{without}\n{with}",
                a.err().map(|e| e.to_string()),
                b.err().map(|e| e.to_string())
            )),
        }
    }
    // Each supported TLS setting (and legacy directive) of the tables is
    // among the cases.
    for t in modules::tables() {
        for p in t.params.iter().filter(|p| is_tls_setting(p)) {
            let named = |n: &str| cases.iter().any(|c| c.0.eq_ignore_ascii_case(n));
            if !named(p.name) {
                failures.push(format!("{}: {} is not checked here", t.object, p.name));
            }
            if let Some(l) = p.legacy.filter(|l| !named(l)) {
                failures.push(format!("{}: {l} is not checked here", t.object));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Legacy permitted peers: each `$InputTCPServerStreamDriverPermittedPeer`
/// adds one for the listeners; `$ActionSendStreamDriverPermittedPeer`s go
/// to the next forward, and the one after starts with none (rsyslog's
/// omfwd), so a second forward never trusts the first one's server.
#[test]
fn legacy_permitted_peers_add_up_and_go_to_the_next_forward_only() {
    use corelog::config::modules::output::OutputConfig;
    use corelog::config::modules::tls::Peer;
    let text = format!(
        "{RULESET}global(defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"/tmp/ca\")\n\
         $ActionSendStreamDriverMode 1\n\
         $ActionSendStreamDriverPermittedPeer a.example\n\
         $ActionSendStreamDriverPermittedPeer b.example\n\
         *.* @@127.0.0.1:6514\n\
         $ActionSendStreamDriverPermittedPeer c.example\n\
         *.* @@127.0.0.2:6514\n"
    );
    let plan = config::load_str("t.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    let peers: Vec<Vec<String>> = plan
        .actions
        .iter()
        .filter_map(|a| match &a.output {
            OutputConfig::Omfwd(c) => Some(
                c.tls
                    .as_ref()
                    .expect("TLS")
                    .peers
                    .iter()
                    .map(|p| match p {
                        Peer::Name(n) => n.clone(),
                        Peer::Fingerprint(f) => f.to_string(),
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    assert_eq!(
        peers,
        [vec!["a.example", "b.example"], vec!["c.example"]],
        "{text}"
    );
}

#[test]
fn the_committed_reference_is_what_the_tables_generate() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/parameters.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = config::reference::markdown();
    assert!(
        committed == generated,
        "docs/parameters.md differs from the tables; write it anew with\n  cargo run -p corelog --bin corelogd -- --parameters > docs/parameters.md"
    );
}

/// Odd values for every parameter of every table: each is loaded or
/// refused with an error, never a panic (the resolvers read typed values
/// only, so a value that slips past its parser would panic here).
#[test]
fn odd_values_are_errors_never_panics() {
    const ODD: &[&str] = &[
        "",
        " ",
        "-1",
        "0",
        "-9223372036854775808",
        "99999999999999999999",
        "1k",
        "1K",
        "9e",
        "on",
        "OFF",
        "0644",
        "x",
        "a,b",
        "514,",
        "\\\\",
    ];
    let mut loaded = 0;
    for t in modules::tables() {
        for p in t.params {
            let Some(object) = object_for(t, p) else {
                continue;
            };
            for v in ODD {
                let c = case(&object, Some((p.name, v)));
                let got = std::panic::catch_unwind(|| load(&c).is_ok());
                match got {
                    Ok(true) => loaded += 1,
                    Ok(false) => {}
                    Err(_) => panic!("{}: {}=\"{v}\" panicked:\n{}", t.object, p.name, c.text),
                }
            }
        }
    }
    assert!(loaded > 0);
}

/// A `module()` value stands in for an instance's of the same name (or
/// its rename) and is checked where `module()` is written: both tables
/// must agree on its type and status.
#[test]
fn module_and_instance_tables_agree_on_shared_parameters() {
    for m in MODULES.iter().filter(|m| m.refused.is_none()) {
        for p in m.module.params {
            let name = m
                .renames
                .iter()
                .find(|(from, _)| from.eq_ignore_ascii_case(p.name))
                .map_or(p.name, |(_, to)| to);
            if let Some(q) = m.instance.find(name) {
                assert_eq!((p.ty, p.status), (q.ty, q.status), "{}: {}", m.name, p.name);
            }
        }
    }
}

/// What an rsyslog user might write that corelog cannot carry out as
/// written: each is an error (or a warning where nothing changes).
#[test]
fn what_would_be_ignored_is_an_error() {
    let bad = |text: &str, want: &str| {
        let e = config::load_str("t.conf", text).expect_err(text);
        assert!(e.to_string().contains(want), "{text}:\n{e}");
    };
    bad(
        "*.* action(type=\"omfile\" file=\"/tmp/x\" queue.filename=\"q\")\n",
        "queue.filename in action(type=\"omfile\") has no effect on a Direct queue",
    );
    bad(
        "$ActionQueueFileName q\n*.* /tmp/x\n",
        "queue.filename in action(type=\"omfile\") has no effect on a Direct queue",
    );
    bad(
        "*.* action(type=\"omfwd\" target=[\"a\", \"b\"])\n",
        "target=\"a,b\" in action(type=\"omfwd\") is not valid: expected one value, not an array",
    );
    bad(
        "$LocalHostName a b\n*.* /tmp/x\n",
        "$LocalHostName takes one value",
    );
    bad(
        "$InputTCPMaxSessions 10\n*.* /tmp/x\n",
        "$InputTCPMaxSessions is a setting of imtcp: it needs $ModLoad imtcp",
    );
    bad(
        "module(load=\"imptcp\")\ninput(type=\"imptcp\" path=\"/tmp/s\" port=\"514\")\n*.* /tmp/x\n",
        "takes path= or port=",
    );
    bad(
        "main_queue(queue.size=\"1e\")\n*.* /tmp/x\n",
        "queue.size=\"1e\" in main_queue() is not valid",
    );
    // Valid spellings rsyslog documents.
    let ok =
        |text: &str| config::load_str("t.conf", text).unwrap_or_else(|e| panic!("{text}:\n{e}"));
    let plan = ok("module(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"5514\" addtlFrameDelimiter=\"-1\")\n*.* /tmp/x\n");
    assert_eq!(plan.inputs[0].config.framing.addtl_delimiter, None);
    ok("template(name=\"d\" type=\"string\" string=\"/tmp/%programname%\")\n*.* action(type=\"omfile\" dynaFile=\"d\" closeTimeout=\"0\")\n");
    ok("$template T,\"%msg% #not a comment\\n\" # a comment\n*.* /tmp/x;T\n");
    ok("global(parser.controlCharacterEscapePrefix=\" \")\n*.* /tmp/x\n");
    let plan = ok("global(workDirectory=\"/\")\n*.* /tmp/x\n");
    assert_eq!(plan.globals.work_directory.as_deref(), Some("/"));
    // Consumed without effect by action(): said, not silent.
    let plan = ok("$ActionResumeRetryCount 5\n*.* action(type=\"omfile\" file=\"/tmp/x\")\n");
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.pos.line == 1 && w.message.contains("has no effect")),
        "{:?}",
        plan.warnings
    );
    assert_eq!(plan.actions[0].common.resume_retry_count, 0);
}
