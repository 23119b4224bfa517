//! The configuration's syntax tree: what the parser read, before names are
//! resolved and parameters checked. Every node keeps its position so that
//! later errors can name file, line and column.

use super::Pos;

/// A parameter value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(i64),
    Array(Vec<String>),
}

impl Value {
    /// The value as text (numbers in decimal, arrays joined by `,`).
    pub fn text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) => n.to_string(),
            Value::Array(a) => a.join(","),
        }
    }
}

/// `name="value"` inside an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub value: Value,
    pub pos: Pos,
}

/// `kind(params)`, with a body for `ruleset(){…}` and items for list
/// templates (`template(){ property() constant() }`).
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub kind: String,
    pub params: Vec<Param>,
    pub pos: Pos,
    pub body: Option<Vec<Stmt>>,
    pub items: Vec<Object>,
}

impl Object {
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// Any object; `action()` is the only one that may stand in a ruleset.
    Object(Object),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
        pos: Pos,
    },
    /// `facility.severity action` and the `&` actions that follow it.
    Selector {
        selector: String,
        actions: Vec<Stmt>,
        pos: Pos,
    },
    /// `:property, op, "value" action` and its `&` actions.
    PropFilter {
        filter: String,
        actions: Vec<Stmt>,
        pos: Pos,
    },
    /// A legacy action: `/file`, `-?dyna;tpl`, `@@host:514`, `~`, …
    LegacyAction {
        text: String,
        pos: Pos,
    },
    /// `$Directive args`.
    Directive {
        text: String,
        pos: Pos,
    },
    Stop(Pos),
    Call {
        name: String,
        pos: Pos,
    },
    Continue(Pos),
    /// `set` (`reset` when `force`).
    Set {
        var: String,
        expr: Expr,
        force: bool,
        pos: Pos,
    },
    /// `foreach ($.i in EXPR) do STMT`.
    Foreach {
        var: String,
        expr: Expr,
        body: Vec<Stmt>,
        pos: Pos,
    },
    /// `call_indirect EXPR;`
    CallIndirect {
        expr: Expr,
        pos: Pos,
    },
    /// `reload_lookup_table("name" [, "stub value"])`
    ReloadLookupTable {
        args: Vec<Expr>,
        pos: Pos,
    },
    Unset {
        var: String,
        pos: Pos,
    },
    Block(Vec<Stmt>),
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String),
    Num(i64),
    /// A property or variable, as written (`$msg`, `$!user`).
    Var(String, Pos),
    /// `["a", "b"]`
    Array(Vec<Expr>, Pos),
    Call {
        name: String,
        args: Vec<Expr>,
        pos: Pos,
    },
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        pos: Pos,
    },
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    ContainsI,
    StartsWith,
    StartsWithI,
    EndsWith,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
}
