//! Statements: the top level of a configuration, and rulesets' bodies
//! (filters, `if`, `call`, `set`, actions) compiled by [`crate::rule`].

use std::sync::Arc;

use super::names::Pending;
use super::Builder;
use crate::config::ast::Stmt;
use crate::config::{suggestion, ConfigError, Pos};
use crate::rule::{self, CExpr, Cond, PriFilter, PropFilter};

/// A statement under construction: `call` still by name.
pub(super) enum PStmt {
    If {
        cond: Cond,
        then: Vec<PStmt>,
        els: Vec<PStmt>,
    },
    Action(usize),
    Stop,
    Call(Pending),
    Continue,
    Set {
        var: crate::prop::PropRef,
        expr: CExpr,
        force: bool,
    },
    Unset {
        var: crate::prop::PropRef,
    },
    Foreach {
        var: crate::prop::PropRef,
        expr: CExpr,
        body: Vec<PStmt>,
    },
    CallIndirect(CExpr),
    Modify(Arc<rule::modify::Modifier>),
    ReloadLookup {
        table: Arc<rule::lookup::LookupTable>,
        stub: Option<Box<[u8]>>,
    },
}

impl Builder {
    pub(super) fn top_level(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Object(o) => match o.kind.to_ascii_lowercase().as_str() {
                    "global" => self.global_object(o),
                    "module" => self.module_object(o),
                    "input" => self.input_object(o),
                    "template" => self.template_object(o),
                    "ruleset" => self.ruleset_object(o),
                    "main_queue" => self.main_queue_object(o),
                    "lookup_table" => self.lookup_table_object(o),
                    "parser" => self.parser_object(o),
                    "timezone" => self.timezone_object(o),
                    "dyn_stats" => self.dyn_stats_object(o),
                    "percentile_stats" => self.percentile_stats_object(o),
                    "ratelimit" => self.err(
                        o.pos,
                        "ratelimit() is not supported by corelog: rsyslog 8.2302 has no such object (later releases add shared rate limits); give inputs rateLimit.interval and rateLimit.burst",
                    ),
                    "action" => {
                        if let Some(st) = self.statement(s) {
                            self.rulesets[self.current].2.push(st);
                        }
                    }
                    other => {
                        let known = [
                            "global",
                            "module",
                            "input",
                            "template",
                            "ruleset",
                            "main_queue",
                            "action",
                            "include",
                            "parser",
                            "lookup_table",
                        ];
                        let hint = suggestion(other, known);
                        self.err(o.pos, format!("unknown object '{}()'{hint}", o.kind));
                    }
                },
                Stmt::Directive { text, pos } => self.directive(text, *pos),
                other => {
                    if let Some(st) = self.statement(other) {
                        self.rulesets[self.current].2.push(st);
                    }
                }
            }
        }
    }

    // Statements inside rulesets.

    pub(super) fn statements(&mut self, stmts: &[Stmt]) -> Vec<PStmt> {
        let mut out = Vec::new();
        for s in stmts {
            if let Stmt::Directive { text, pos } = s {
                self.directive(text, *pos);
                continue;
            }
            if let Some(p) = self.statement(s) {
                out.push(p);
            }
        }
        out
    }

    pub(super) fn statement(&mut self, s: &Stmt) -> Option<PStmt> {
        match s {
            Stmt::Object(o)
                if o.kind.eq_ignore_ascii_case("action") && Builder::names_modifier(o) =>
            {
                self.modifier_object(o).map(|m| PStmt::Modify(Arc::new(m)))
            }
            Stmt::Object(o) if o.kind.eq_ignore_ascii_case("action") => {
                self.action_object(o).map(PStmt::Action)
            }
            Stmt::Object(o) => {
                self.err(
                    o.pos,
                    format!(
                        "{}() cannot stand inside a ruleset or block; only action() can",
                        o.kind
                    ),
                );
                None
            }
            Stmt::If {
                cond,
                then,
                els,
                pos,
            } => {
                let cond = match self.compile_expr(cond) {
                    Ok(c) => optimize_pri_text(c, *pos, &mut self.diag.errors),
                    Err(e) => {
                        self.diag.errors.push(e);
                        return None;
                    }
                };
                let then = self.statements(then);
                let els = self.statements(els);
                Some(PStmt::If {
                    cond: Cond::Expr(cond),
                    then,
                    els,
                })
            }
            Stmt::Selector {
                selector,
                actions,
                pos,
            } => self.filtered(PriFilter::parse(selector).map(Cond::Pri), actions, *pos),
            Stmt::PropFilter {
                filter,
                actions,
                pos,
            } => self.filtered(PropFilter::parse(filter).map(Cond::Prop), actions, *pos),
            Stmt::LegacyAction { text, pos } => self.legacy_action(text, *pos),
            Stmt::Directive { text, pos } => {
                self.directive(text, *pos);
                None
            }
            Stmt::Stop(_) => Some(PStmt::Stop),
            Stmt::Continue(_) => Some(PStmt::Continue),
            Stmt::Call { name, pos } => Some(PStmt::Call(Pending {
                name: name.clone(),
                pos: *pos,
            })),
            Stmt::Set {
                var,
                expr,
                force,
                pos,
            } => {
                let var = self.set_target(var, *pos)?;
                let expr = self
                    .compile_expr(expr)
                    .map_err(|e| self.diag.errors.push(e))
                    .ok()?;
                Some(PStmt::Set {
                    var,
                    expr,
                    force: *force,
                })
            }
            Stmt::Foreach {
                var,
                expr,
                body,
                pos,
            } => {
                let var = self.set_target(var, *pos).filter(|v| {
                    let global =
                        v.id == crate::prop::PropId::Var(crate::msg::vars::VarScope::Global);
                    if global {
                        self.err(*pos, "foreach's variable cannot be global ($/…): every core would share one loop variable; use $. or $!");
                    }
                    !global
                });
                let expr = self
                    .compile_expr(expr)
                    .map_err(|e| self.diag.errors.push(e))
                    .ok();
                let body = self.statements(body);
                Some(PStmt::Foreach {
                    var: var?,
                    expr: expr?,
                    body,
                })
            }
            Stmt::ReloadLookupTable { args, pos } => {
                use crate::config::ast::Expr;
                let strings: Vec<Option<&String>> = args
                    .iter()
                    .map(|a| match a {
                        Expr::Str(s) => Some(s),
                        _ => None,
                    })
                    .collect();
                match strings.as_slice() {
                    [Some(name)] | [Some(name), Some(_)] => {
                        match self.lookups.get(*name) {
                            Some(t) => Some(PStmt::ReloadLookup {
                                table: t.clone(),
                                stub: strings
                                    .get(1)
                                    .copied()
                                    .flatten()
                                    .map(|s| s.as_bytes().into()),
                            }),
                            None => {
                                self.err(*pos, format!("reload_lookup_table(): lookup table '{name}' is not defined"));
                                None
                            }
                        }
                    }
                    _ => {
                        self.err(*pos, "reload_lookup_table() takes a table name and optionally a stub value, both constant strings");
                        None
                    }
                }
            }
            Stmt::CallIndirect { expr, .. } => {
                let expr = self
                    .compile_expr(expr)
                    .map_err(|e| self.diag.errors.push(e))
                    .ok()?;
                Some(PStmt::CallIndirect(expr))
            }
            Stmt::Unset { var, pos } => self.set_target(var, *pos).map(|var| PStmt::Unset { var }),
            Stmt::Block(b) => {
                let inner = self.statements(b);
                Some(PStmt::If {
                    cond: Cond::Expr(CExpr::Num(1)),
                    then: inner,
                    els: Vec::new(),
                })
            }
        }
    }

    /// A legacy filter and the actions under it.
    pub(super) fn filtered(
        &mut self,
        cond: Result<Cond, String>,
        actions: &[Stmt],
        pos: Pos,
    ) -> Option<PStmt> {
        let cond = cond.map_err(|e| self.err(pos, e)).ok()?;
        let then = self.statements(actions);
        Some(PStmt::If {
            cond,
            then,
            els: Vec::new(),
        })
    }

    /// Compiles an expression with the templates and lookup tables
    /// defined so far.
    pub(super) fn compile_expr(&self, e: &crate::config::ast::Expr) -> Result<CExpr, ConfigError> {
        CExpr::compile_in(
            e,
            rule::expr::Scope {
                templates: Some(&self.templates),
                lookups: Some(&self.lookups),
                dyn_stats: Some(&self.dyn_stats),
                percentile_stats: Some(&self.percentile_stats),
                fmhash: self.module_loaded("fmhash").is_some(),
            },
        )
    }

    /// A top-level object's own parameters against `table`, read by
    /// `read`; then every supported one must have been read, and the
    /// errors and warnings are kept. `None` when the object is disabled.
    fn read_object<T>(
        &mut self,
        o: &crate::config::ast::Object,
        table: &'static crate::config::param::Table,
        read: impl FnOnce(&crate::config::param::Resolved) -> T,
    ) -> Option<T> {
        if !self.enabled(o) {
            return None;
        }
        let own = self.givens(o, table.object);
        let mut diag = crate::config::param::Diag::default();
        let r =
            crate::config::param::Resolved::new(table.object, o.pos, &[table], &[&own], &mut diag);
        let v = read(&r);
        r.finish();
        self.diag.errors.append(&mut diag.errors);
        self.diag.warnings.append(&mut diag.warnings);
        Some(v)
    }

    /// `dyn_stats(name= resettable= maxCardinality= unusedMetricLife=)`.
    pub(super) fn dyn_stats_object(&mut self, o: &crate::config::ast::Object) {
        use crate::config::modules::stats::DYN_STATS;
        let Some((name, resettable, max, life)) = self.read_object(o, &DYN_STATS, |r| {
            (
                r.opt_str("name"),
                r.bool("resettable"),
                r.int("maxCardinality") as usize,
                r.int("unusedMetricLife") as u64,
            )
        }) else {
            return;
        };
        let Some(name) = name else {
            self.err(o.pos, "dyn_stats() needs name=\"…\"");
            return;
        };
        if self.dyn_stats.contains_key(&name) {
            self.err(
                o.pos,
                format!("dyn_stats bucket '{name}' is defined more than once"),
            );
            return;
        }
        let b = rule::stats::DynStats::new(
            &name,
            resettable,
            max,
            std::time::Duration::from_secs(life),
        );
        self.dyn_stats.insert(name, Arc::new(b));
    }

    /// `percentile_stats(name= percentiles=[…] windowSize= delimiter=)`.
    pub(super) fn percentile_stats_object(&mut self, o: &crate::config::ast::Object) {
        use crate::config::modules::stats::PERCENTILE_STATS;
        let Some((name, list, list_pos, window, delimiter)) =
            self.read_object(o, &PERCENTILE_STATS, |r| {
                (
                    r.opt_str("name"),
                    r.list("percentiles"),
                    r.pos_of("percentiles"),
                    r.int("windowSize") as usize,
                    r.opt_str("delimiter"),
                )
            })
        else {
            return;
        };
        let Some(name) = name else {
            self.err(o.pos, "percentile_stats() needs name=\"…\"");
            return;
        };
        let mut percentiles = Vec::new();
        for p in &list {
            match p.trim_start_matches(['p', 'P']).parse::<u8>() {
                Ok(v) if (1..=100).contains(&v) => percentiles.push(v),
                _ => {
                    self.err(
                        list_pos,
                        format!("percentiles: '{p}' is not a percentile (p1 … p100)"),
                    );
                    return;
                }
            }
        }
        if percentiles.is_empty() {
            self.err(
                o.pos,
                "percentile_stats() needs percentiles=[…] (rsyslog makes no bucket without them)",
            );
            return;
        }
        if self.percentile_stats.contains_key(&name) {
            self.err(
                o.pos,
                format!("percentile_stats bucket '{name}' is defined more than once"),
            );
            return;
        }
        let b = rule::stats::PercentileStats::new(
            &name,
            percentiles,
            window,
            delimiter.as_deref().unwrap_or("."),
        );
        self.percentile_stats.insert(name, Arc::new(b));
    }

    /// `timezone(id= offset=)`: checked and kept (see
    /// [`crate::config::modules::timezone`]).
    pub(super) fn timezone_object(&mut self, o: &crate::config::ast::Object) {
        use crate::config::modules::timezone::TIMEZONE;
        let Some((id, offset)) =
            self.read_object(o, &TIMEZONE, |r| (r.opt_str("id"), r.opt_str("offset")))
        else {
            return;
        };
        let (Some(id), Some(offset)) = (id, offset) else {
            self.err(o.pos, "timezone() needs id=\"…\" and offset=\"+hh:mm\"");
            return;
        };
        if self.timezones.iter().any(|t| t.0 == id) {
            self.err(o.pos, format!("timezone '{id}' is defined more than once"));
            return;
        }
        let Some(off) = crate::config::param::parse_offset(&offset) else {
            return; // the parameter's own check said why
        };
        if self.module_loaded("pmciscoios").is_none() {
            self.warn(
                o.pos,
                format!("timezone '{id}' is read only by the pmciscoios parser (as in rsyslog 8.2302), which is not loaded here; RFC 3164 times are read with an input's defaultTZ"),
            );
        }
        self.timezones.push((id, off));
    }

    /// `lookup_table(name= file= reloadOnHUP=)`: loaded now; an error in
    /// the file is an error in the configuration.
    pub(super) fn lookup_table_object(&mut self, o: &crate::config::ast::Object) {
        use crate::config::modules::lookup::LOOKUP_TABLE;
        let Some((name, file, hup)) = self.read_object(o, &LOOKUP_TABLE, |r| {
            (r.opt_str("name"), r.opt_str("file"), r.bool("reloadOnHUP"))
        }) else {
            return;
        };
        let (Some(name), Some(file)) = (name, file) else {
            self.err(o.pos, "lookup_table() needs name=\"…\" and file=\"…\"");
            return;
        };
        if self.lookups.contains_key(&name) {
            self.err(
                o.pos,
                format!("lookup table '{name}' is defined more than once"),
            );
            return;
        }
        match rule::lookup::LookupTable::load(&name, std::path::Path::new(&file), hup) {
            Ok(t) => {
                self.lookups.insert(name, Arc::new(t));
            }
            Err(e) => self.err(o.pos, e),
        }
    }

    pub(super) fn set_target(&mut self, var: &str, pos: Pos) -> Option<crate::prop::PropRef> {
        match rule::expr::resolve_var(var, pos) {
            Ok(p) if matches!(p.id, crate::prop::PropId::Var(_)) => Some(p),
            Ok(_) => {
                self.err(pos, format!("invalid variable '{var}' in set statement: only $!name, $.name and $/name can be set"));
                None
            }
            Err(e) => {
                self.diag.errors.push(e);
                None
            }
        }
    }
}

/// rsyslog's optimisation of `$syslogseverity-text == "name"` and
/// `$syslogfacility-text == "name"` into PRI tests, which decodes the name
/// case-insensitively and with aliases (`WARN`, `error`, `security`); an
/// unknown name is an error, as in rsyslog.
fn optimize_pri_text(e: CExpr, pos: Pos, errors: &mut Vec<ConfigError>) -> CExpr {
    use crate::config::ast::BinOp;
    use crate::prop::PropId;
    match e {
        CExpr::PropStr(p, op @ (BinOp::Eq | BinOp::Ne), value)
            if matches!(
                p.id,
                PropId::SyslogSeverityText | PropId::SyslogFacilityText
            ) =>
        {
            let name = String::from_utf8_lossy(&value).into_owned();
            let selector = if p.id == PropId::SyslogSeverityText {
                crate::msg::pri::severity_from_name(&name)
                    .map(|s| format!("*.={}", crate::msg::pri::SEVERITY_NAMES[usize::from(s)]))
            } else {
                crate::msg::pri::facility_from_name(&name)
                    .map(|f| format!("{}.*", crate::msg::pri::FACILITY_NAMES[usize::from(f)]))
            };
            match selector.and_then(|s| PriFilter::parse(&s).ok()) {
                Some(f) => {
                    let test = CExpr::Call(rule::functions::Func::Prifilt(f), Vec::new());
                    if op == BinOp::Eq {
                        test
                    } else {
                        CExpr::Not(Box::new(test))
                    }
                }
                None => {
                    let what = if p.id == PropId::SyslogSeverityText {
                        "severity"
                    } else {
                        "facility"
                    };
                    errors.push(ConfigError::new(
                        pos,
                        format!("invalid {what} '{name}': the comparison could never be true"),
                    ));
                    CExpr::PropStr(p, op, value)
                }
            }
        }
        CExpr::Bin(op, l, r) => CExpr::Bin(
            op,
            Box::new(optimize_pri_text(*l, pos, errors)),
            Box::new(optimize_pri_text(*r, pos, errors)),
        ),
        CExpr::Not(x) => CExpr::Not(Box::new(optimize_pri_text(*x, pos, errors))),
        other => other,
    }
}
