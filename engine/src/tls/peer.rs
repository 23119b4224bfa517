//! Who a peer is: its names and fingerprints, and rsyslog's rules for
//! matching them against `permittedPeer`.
//!
//! In: a peer certificate's DER; the permitted peers. Out: the names
//! rsyslog would check (SAN dNSNames, then the subject's CN), the
//! certificate's SHA-1/SHA-256 fingerprints, and whether a permitted
//! peer matches. No I/O; a certificate that does not parse has no names
//! (and so matches no name).

use std::fmt;

use ring::digest;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// A certificate's digest, as `permittedPeer` writes it.
#[derive(Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub algo: Algo,
    pub digest: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algo {
    Sha1,
    Sha256,
}

impl Algo {
    fn len(self) -> usize {
        match self {
            Algo::Sha1 => 20,
            Algo::Sha256 => 32,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algo::Sha1 => "SHA1",
            Algo::Sha256 => "SHA256",
        }
    }
}

impl Fingerprint {
    /// The fingerprint of `der` by `algo`.
    pub fn of(algo: Algo, der: &[u8]) -> Fingerprint {
        let alg = match algo {
            Algo::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Algo::Sha256 => &digest::SHA256,
        };
        Fingerprint {
            algo,
            digest: digest::digest(alg, der).as_ref().to_vec(),
        }
    }

    /// `SHA1:AA:BB:…` or `SHA256:…` (hex digits in either case, pairs
    /// separated by colons). `None`: not a fingerprint (a name);
    /// `Some(Err)`: a fingerprint written wrong.
    pub fn parse(s: &str) -> Option<Result<Fingerprint, String>> {
        let (head, rest) = s.split_once(':')?;
        let algo = match head.to_ascii_uppercase().as_str() {
            "SHA1" => Algo::Sha1,
            "SHA256" => Algo::Sha256,
            _ => return None,
        };
        let digest: Option<Vec<u8>> = rest
            .split(':')
            .map(|p| match p.len() {
                2 => u8::from_str_radix(p, 16).ok(),
                _ => None,
            })
            .collect();
        Some(match digest {
            Some(d) if d.len() == algo.len() => Ok(Fingerprint { algo, digest: d }),
            _ => Err(format!(
                "a {} fingerprint is {} hex pairs separated by colons",
                algo.name(),
                algo.len()
            )),
        })
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algo.name())?;
        for b in &self.digest {
            write!(f, ":{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The names of a certificate rsyslog checks, in its order: every SAN
/// dNSName, then the subject's CN (unless it is one of them) — the CN only
/// when there is no SAN dNSName if `prioritize_san`.
pub fn names(der: &[u8], prioritize_san: bool) -> Vec<String> {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::DNSName(d) = n {
                out.push((*d).to_string());
            }
        }
    }
    if out.is_empty() || !prioritize_san {
        for cn in cert.subject().iter_common_name() {
            match cn.as_str() {
                Ok(s) if !out.iter().any(|n| n == s) => out.push(s.to_string()),
                _ => {}
            }
        }
    }
    out
}

/// When the certificate stops being valid (seconds since the epoch).
pub fn not_after(der: &[u8]) -> Option<i64> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some(cert.validity().not_after.timestamp())
}

/// Whether `name` matches the permitted peer `pattern`, by rsyslog's
/// rules (runtime/net.c): both are split into dot-separated labels and
/// must have as many; a label `*` matches any one label; a label that
/// starts with `*` matches the labels that end with the rest, one that
/// ends with `*` those that start with the rest; other labels compare
/// exactly. Comparison ignores ASCII case (DNS names have none).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern.eq_ignore_ascii_case(name);
    }
    let mut p = pattern.split('.');
    let mut n = name.split('.');
    loop {
        match (p.next(), n.next()) {
            (None, None) => return true,
            (Some(pl), Some(nl)) => {
                if !label_matches(pl, nl) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Whether a permitted peer's wildcards are ones rsyslog knows: in each
/// label, `*` alone, or at its start, or at its end — not in its middle,
/// nor at both ends.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    for label in pattern.split('.') {
        let stars = label.matches('*').count();
        let ok = match stars {
            0 => true,
            1 => label == "*" || label.starts_with('*') || label.ends_with('*'),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "the label \"{label}\" has a '*' rsyslog does not know: a label may be '*', or start or end with one"
            ));
        }
    }
    Ok(())
}

fn label_matches(p: &str, n: &str) -> bool {
    let lower = |s: &str| s.to_ascii_lowercase();
    if p == "*" {
        return true;
    }
    if let Some(rest) = p.strip_prefix('*') {
        return lower(n).ends_with(&lower(rest));
    }
    if let Some(rest) = p.strip_suffix('*') {
        return lower(n).starts_with(&lower(rest));
    }
    p.eq_ignore_ascii_case(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_by_label() {
        assert!(name_matches("*.example.com", "a.example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("web*.example.com", "web01.example.com"));
        assert!(name_matches("*01.example.com", "web01.EXAMPLE.com"));
        assert!(!name_matches("*01.example.com", "web02.example.com"));
        assert!(name_matches("host.example.com", "HOST.example.com"));
        assert!(!name_matches("host.example.com", "host.example.org"));
        assert!(name_matches("*.*.com", "a.b.com"));
    }

    #[test]
    fn fingerprints_parse_print_and_refuse() {
        let s = "SHA256:".to_string() + &["AB"; 32].join(":");
        let f = Fingerprint::parse(&s).unwrap().unwrap();
        assert_eq!(f.to_string(), s);
        let lower = Fingerprint::parse(&s.to_lowercase()).unwrap().unwrap();
        assert_eq!(lower, f);
        assert!(Fingerprint::parse("SHA1:AB:CD").unwrap().is_err());
        assert!(Fingerprint::parse("SHA1:ZZ".repeat(20).as_str())
            .unwrap()
            .is_err());
        assert!(Fingerprint::parse("host.example.com").is_none());
        assert_eq!(Fingerprint::of(Algo::Sha1, b"").digest.len(), 20);
    }

    #[test]
    fn a_certificate_that_does_not_parse_has_no_names() {
        assert!(names(b"not a certificate", false).is_empty());
        assert_eq!(not_after(b""), None);
    }
}
