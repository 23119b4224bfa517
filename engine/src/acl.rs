//! Sender ACLs: rsyslog's `$AllowedSender`.
//!
//! In: the directive's value, `TYPE, ADDR[/BITS], …` (TYPE `UDP` or `TCP`;
//! ADDR an IPv4 address, or IPv6 in brackets or bare; BITS the prefix
//! length, all of it by default), and later the address a connection or
//! datagram comes from. Out: whether that sender is allowed. A protocol
//! with no list allows everyone, as in rsyslog; once one `$AllowedSender`
//! names it, only the listed senders are.
//!
//! Guarantees: no I/O and no name lookups — a name or wildcard
//! (`*.example.net`) is an error, since rsyslog would match it by reverse
//! DNS, which corelog does not do; an IPv4 address in IPv6 form
//! (`::ffff:192.0.2.1`, as a dual-stack socket reports it) matches the
//! IPv4 entries.

use std::net::IpAddr;

/// One allowed network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    bits: u8,
}

impl Net {
    fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, width) = match (self.addr, canonical(ip)) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let shift = width - u32::from(self.bits);
        shift >= width || (a >> shift) == (b >> shift)
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Which inputs a list applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// imudp.
    Udp,
    /// imtcp and imptcp.
    Tcp,
}

/// The allowed senders of each protocol (`None`: everyone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedSenders {
    pub udp: Option<Vec<Net>>,
    pub tcp: Option<Vec<Net>>,
}

impl AllowedSenders {
    /// Adds one `$AllowedSender` directive's value.
    pub fn add(&mut self, value: &str) -> Result<(), String> {
        let (proto, nets) = parse(value)?;
        let list = match proto {
            Proto::Udp => &mut self.udp,
            Proto::Tcp => &mut self.tcp,
        };
        list.get_or_insert_with(Vec::new).extend(nets);
        Ok(())
    }

    /// The list for `proto`, if any restricts it.
    pub fn list(&self, proto: Proto) -> Option<&[Net]> {
        match proto {
            Proto::Udp => self.udp.as_deref(),
            Proto::Tcp => self.tcp.as_deref(),
        }
    }
}

/// Whether `ip` may send, given `list` (`None`: everyone may).
pub fn allows(list: Option<&[Net]>, ip: IpAddr) -> bool {
    match list {
        None => true,
        Some(l) => l.iter().any(|n| n.contains(ip)),
    }
}

/// `TYPE, ADDR[/BITS], …`.
pub fn parse(value: &str) -> Result<(Proto, Vec<Net>), String> {
    let mut parts = value.split(',').map(str::trim);
    let proto = match parts.next().unwrap_or("") {
        t if t.eq_ignore_ascii_case("udp") => Proto::Udp,
        t if t.eq_ignore_ascii_case("tcp") => Proto::Tcp,
        t if t.eq_ignore_ascii_case("gss") => {
            return Err("GSS-API senders: corelog has no GSS-API input".into())
        }
        t => return Err(format!("the first value must be UDP or TCP, not '{t}'")),
    };
    let nets = parts
        .filter(|p| !p.is_empty())
        .map(net)
        .collect::<Result<Vec<_>, _>>()?;
    if nets.is_empty() {
        return Err("no sender given after the protocol".into());
    }
    Ok((proto, nets))
}

/// `ADDR[/BITS]`.
fn net(s: &str) -> Result<Net, String> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let bare = addr.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = bare.parse().map_err(|_| {
        format!("'{s}' is not an address or network; names and wildcards need reverse DNS, which corelog does not do: give addresses (ADDR or ADDR/BITS)")
    })?;
    let ip = canonical(ip);
    let width = if ip.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        None => width,
        Some(b) => b
            .parse::<u8>()
            .ok()
            .filter(|&b| b <= width)
            .ok_or_else(|| format!("'{s}': the prefix length must be 0 to {width}"))?,
    };
    Ok(Net { addr: ip, bits })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rsyslog_forms() {
        let mut a = AllowedSenders::default();
        a.add("UDP, 127.0.0.1, 192.0.2.0/24").unwrap();
        a.add("udp, [::1], [2001:db8::]/32, 10.0.0.0/8, fd00::/8")
            .unwrap();
        let udp = a.list(Proto::Udp);
        for ok in [
            "127.0.0.1",
            "192.0.2.77",
            "::1",
            "2001:db8:1::5",
            "10.9.9.9",
            "::ffff:192.0.2.1",
        ] {
            assert!(allows(udp, ip(ok)), "{ok}");
        }
        for no in ["127.0.0.2", "192.0.3.1", "::2", "2001:db9::1", "11.0.0.1"] {
            assert!(!allows(udp, ip(no)), "{no}");
        }
        // TCP is not restricted until a TCP list is given.
        assert!(allows(a.list(Proto::Tcp), ip("203.0.113.1")));
        a.add("TCP, 0.0.0.0/0").unwrap();
        assert!(allows(a.list(Proto::Tcp), ip("203.0.113.1")));
        assert!(!allows(a.list(Proto::Tcp), ip("::1")));
    }

    #[test]
    fn names_and_bad_values_are_errors() {
        for bad in [
            "UDP, *.example.net",
            "UDP, host.example.net",
            "TCP, 10.0.0.0/33",
            "TCP, [::1]/129",
            "SMTP, 10.0.0.1",
            "GSS, 10.0.0.1",
            "UDP",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse("TCP, ::1").unwrap().1.len(), 1);
    }
}
