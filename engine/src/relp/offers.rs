//! RELP offers (the data of `open` and of its `rsp`) and `rsp` data.
//!
//! In: the data of a frame. Out: the offers {name → values}, or the rsp's
//! {code, text, command data}; and the texts corelog sends. Rules from
//! ../shared/design/RSYSLOG_SEMANTICS.md A.4 and A.5: offers are
//! `name=value[,value…]` separated by LF (a trailing LF tolerated), names
//! ≤ 32 octets, values ≤ 255, ≤ 64 values per offer, unknown names kept
//! but ignored by the caller; an rsp is exactly 3 digits, SP, a text of at
//! most 80 octets up to LF or the end, then command data.
//!
//! Guarantees: never panics; refuses what librelp refuses, with the reason.

use bytes::Bytes;

const NAME_MAX: usize = 32;
const VALUE_MAX: usize = 255;
const VALUES_MAX: usize = 64;
const TEXT_MAX: usize = 80;

/// corelog's offers, in librelp's order. `relp_version` is 0: librelp
/// clients refuse a server offering more.
pub fn ours() -> String {
    format!(
        "relp_version=0\nrelp_software=corelog,{},https://github.com/corelog\ncommands=syslog",
        env!("CARGO_PKG_VERSION")
    )
}

/// One offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub name: String,
    pub values: Vec<String>,
}

/// Parses the offers of an `open` (or of its rsp after the status line).
pub fn parse(data: &[u8]) -> Result<Vec<Offer>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "offers are not text".to_string())?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split('\n')
        .map(|line| {
            let (name, values) = line.split_once('=').unwrap_or((line, ""));
            if name.is_empty() || name.len() > NAME_MAX {
                return Err(format!("offer name {name:?} is not 1 to {NAME_MAX} octets"));
            }
            let values: Vec<String> = if values.is_empty() {
                Vec::new()
            } else {
                values.split(',').map(str::to_string).collect()
            };
            if values.len() > VALUES_MAX {
                return Err(format!("offer {name} has more than {VALUES_MAX} values"));
            }
            if let Some(v) = values.iter().find(|v| v.len() > VALUE_MAX) {
                return Err(format!(
                    "a value of offer {name} is {} octets, over {VALUE_MAX}",
                    v.len()
                ));
            }
            Ok(Offer {
                name: name.to_string(),
                values,
            })
        })
        .collect()
}

/// What a server makes of a client's offers: `Ok` when it may open (the
/// client offers `commands=syslog`; `relp_version`, if offered, is a
/// number), else the `500` text to answer.
pub fn check_client(offers: &[Offer]) -> Result<(), &'static str> {
    if let Some(v) = offers.iter().find(|o| o.name == "relp_version") {
        let ok = v.values.first().is_some_and(|n| n.parse::<u32>().is_ok());
        if !ok {
            return Err("500 error 10025 on connect");
        }
    }
    let syslog = offers
        .iter()
        .any(|o| o.name == "commands" && o.values.iter().any(|c| c == "syslog"));
    if !syslog {
        return Err("500 required command not supported by client");
    }
    Ok(())
}

/// The data of an `rsp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rsp {
    pub code: u16,
    pub text: Bytes,
    /// After the status line's LF (for `open`: the server's offers).
    pub data: Bytes,
}

impl Rsp {
    pub fn is_ok(&self) -> bool {
        self.code == 200
    }
}

/// Parses rsp data. An empty rsp (librelp's answer to `close`) is `None`.
pub fn parse_rsp(data: &Bytes) -> Result<Option<Rsp>, String> {
    if data.is_empty() {
        return Ok(None);
    }
    let digits = data.get(..3).filter(|d| d.iter().all(u8::is_ascii_digit));
    let Some(digits) = digits else {
        return Err("an rsp does not begin with a 3-digit code".into());
    };
    if data.get(3) != Some(&b' ') {
        return Err("an rsp code is not followed by SP".into());
    }
    let code = digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    let rest = data.slice(4..);
    let (text, cmd) = match memchr::memchr(b'\n', &rest) {
        Some(lf) => (rest.slice(..lf), rest.slice(lf + 1..)),
        None => (rest.clone(), Bytes::new()),
    };
    if text.len() > TEXT_MAX {
        return Err(format!(
            "an rsp text of {} octets is over {TEXT_MAX}",
            text.len()
        ));
    }
    Ok(Some(Rsp {
        code,
        text,
        data: cmd,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn librelps_offers() {
        let o = parse(b"relp_version=0\nrelp_software=librelp,1.13.0,http://librelp.adiscon.com\ncommands=syslog\n").unwrap();
        assert_eq!(o.len(), 3);
        assert_eq!(
            o[1].values,
            ["librelp", "1.13.0", "http://librelp.adiscon.com"]
        );
        assert_eq!(check_client(&o), Ok(()));
        let ours = parse(ours().as_bytes()).unwrap();
        assert_eq!(check_client(&ours), Ok(()));
        assert_eq!(ours[0].values, ["0"]);
    }

    #[test]
    fn what_librelp_refuses() {
        let no_syslog = parse(b"relp_version=0\ncommands=").unwrap();
        assert_eq!(
            check_client(&no_syslog),
            Err("500 required command not supported by client")
        );
        let bad_version = parse(b"relp_version=x\ncommands=syslog").unwrap();
        assert!(check_client(&bad_version).is_err());
        let many = format!("commands={}", vec!["a"; 65].join(","));
        assert!(parse(many.as_bytes()).is_err());
        assert!(parse(format!("{}=1", "n".repeat(33)).as_bytes()).is_err());
        assert!(parse(format!("n={}", "v".repeat(256)).as_bytes()).is_err());
        assert!(parse(b"\xff=1").is_err());
    }

    #[test]
    fn rsp_data() {
        let r = parse_rsp(&Bytes::from_static(b"200 OK\nrelp_version=0"))
            .unwrap()
            .unwrap();
        assert!(r.is_ok());
        assert_eq!(
            (&r.text[..], &r.data[..]),
            (&b"OK"[..], &b"relp_version=0"[..])
        );
        let r = parse_rsp(&Bytes::from_static(b"500 command disabled"))
            .unwrap()
            .unwrap();
        assert_eq!(r.code, 500);
        assert_eq!(parse_rsp(&Bytes::new()), Ok(None));
        for bad in [&b"200"[..], b"20 OK", b"2x0 OK", b"200OK"] {
            assert!(parse_rsp(&Bytes::copy_from_slice(bad)).is_err(), "{bad:?}");
        }
    }
}
