//! The differential corpus: syslog messages as senders really write them,
//! hand-written edge cases plus generated variations (every facility and
//! severity; with and without hostname, pid, structured data; odd spacing;
//! 8-bit bytes; overlong tags). Deterministic: the same list every run.

/// One message with a stable name, used in the exceptions file.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub raw: Vec<u8>,
}

const HAND: &[&[u8]] = &[
    b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
    b"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
    b"<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.",
    b"<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
    b"<0>Oct 22 10:52:12 scapegoat 1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
    b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \xef\xbb\xbfAn application event log entry...",
    b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]",
    b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on /dev/pts/8",
    b"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    b"<13>1 2003-10-11T22:14:15.003+05:30 host app 1234 msgid - hello",
    b"<13>1 2003-10-11T22:14:15.003-05:30 host app 1234 msgid [a@1 x=\"a\\\"b\\]c\\\\d\"][b@2] hello",
    b"<13>1 - - - - - -",
    b"<13>1 - - - - - - msg with all nil",
    b"<13>1 2003-10-11T22:14:15Z h app - - -  two spaces before msg",
    b"<13>1 2003-10-11T22:14:15.1Z h app p m - one digit fraction",
    b"<13>1 2003-10-11T22:14:15.003Z host app - - [x@1 a=\"b\"] msg",
    b"<13>1 2003-10-11T22:14:15.003Z host app - - -",
    b"<13>1 bad host app - - - msg",
    b"<13>2 2003-10-11T22:14:15.003Z host app - - - msg",
    b"1 2003-10-11T22:14:15.003Z nopri app - - - 5424 without pri",
    b"<190>%PIX-7-710005: UDP request discarded from 10.0.0.1/137 to outside:10.0.0.255/137",
    b"<167>Mar  6 16:57:54 172.20.245.8 %PIX-7-710005: UDP request discarded",
    b"<166>%ASA-6-302013: Built outbound TCP connection 1 for outside:1.2.3.4/80",
    b"<167>Mar 27 19:06:53 source_server sshd(pam_unix)[12750]: session opened for user foo",
    b"<167>AUG 10 22:18:24 host tag This msg has an uppercase month",
    b"<14>Jan  6 2009 15:22:26 localhost",
    b"<167>Feb 18 16:01:59 serverX -- MARK --",
    b"<6>AUG 10 22:18:24 2009  netips-warden2-p [audit] user=[*SMS] src=192.168.11.11",
    b"<14>Aug 30 23:00:05 X4711 ",
    b"<14>Aug 30 23:00:05 ",
    b"<14>2010-08-30T23:00:05Z X4711 AAAA",
    b"<167>Oct  8 23:05:06 10.321.1.123 05\",result_code=200,b",
    b"<13>2019-05-15T11:21:57 host x",
    b"no pri at all",
    b"This is a message!",
    b"<13>justoneword",
    b"<13>",
    b"<13> ",
    b"<13> Oct 11 22:14:15 host tag: leading space before stamp",
    b"<13>Oct 11 22:14:15",
    b"<13>Oct 11 22:14:15 host",
    b"<13>Oct 11 22:14:15 host tag",
    b"<13>Oct 11 22:14:15 host tag:",
    b"<13>Oct 11 22:14:15  host tag: two spaces after stamp",
    b"<13>Oct 11 22:14:15 fe80::1 tag: ipv6 is no hostname",
    b"<13>Oct 11 22:14:15 host. tag: trailing dot",
    b"<13>Oct 11 22:14:15 -host tag: leading dash",
    b"<13>Oct 11 22:14:15 host- tag: trailing dash",
    b"<13>Oct 11 22:14:15 ho[st] tag: brackets",
    b"<13>Oct 11 22:14:15 host /usr/sbin/cron[12]: slash in tag",
    b"<13>Oct 11 22:14:15 host app/sub[77]: slash in programname",
    b"<13>Oct 11 22:14:15 host tag[12]x: after pid",
    b"<13>Oct 11 22:14:15 host tag[: open bracket",
    b"<13>Oct 11 22:14:15 host tag[]: empty pid",
    b"<13>Oct 11 22:14:15 host [tag]: only brackets",
    b"<13>Oct 11 22:14:15 host :tag: leading colon",
    b"<13>Oct 11 22:14:15 host tag:: double colon",
    b"<13>Oct 11 22:14:15 host tag:nospace",
    b"<13>Oct 11 22:14:15 host tag[1] : space before colon",
    b"<13>Oct 11 22:14:15.123 host tag: fraction in bsd stamp",
    b"<13>Oct 11 22:14:15.123456789 host tag: long fraction in bsd stamp",
    b"<13>Oct 11 22:14:15 2009 host tag: year after stamp",
    b"<13>oct 11 22:14:15 host tag: lowercase month",
    b"<13>Oct 1 22:14:15 host tag: single digit day",
    b"<13>Oct 11 22:14:15: host tag: colon after stamp",
    b"<13>2003-10-11T22:14:15+01:00 host tag: 3339 in 3164",
    b"<13>2003-10-11T22:14:15.003Z host app: 3339 Z in 3164",
    b"<13>Oct 11 22:14:15 host tag: tab\there",
    b"<13>Oct 11 22:14:15 host tag: ctl\x01\x02\x1b\x7f end",
    b"<13>Oct 11 22:14:15 host tag: trailing lf\n",
    b"<13>Oct 11 22:14:15 host tag: two trailing lf\n\n",
    b"<13>Oct 11 22:14:15 host tag: embedded\nlf",
    b"<13>Oct 11 22:14:15 host tag: cr lf\r\n",
    b"<13>Oct 11 22:14:15 h\xc3\xa9st tag: 8-bit hostname",
    b"<13>Oct 11 22:14:15 host t\xc3\xa9g: 8-bit tag \xff\xfe",
    b"<13>Oct 11 22:14:15 host tag: \xef\xbb\xbfbom in 3164",
    b"<13>Oct 11 22:14:15 host tag: {\"json\":\"payload\"}",
    b"<13>{\"headerless\":\"json\"}",
    b"<13>  [bracket] headerless",
    b"<191>Oct 11 22:14:15 host tag: max pri",
    b"<0>Oct 11 22:14:15 host tag: min pri",
    b"<013>Oct 11 22:14:15 host tag: leading zero pri",
    b"<192>Oct 11 22:14:15 host tag: pri too big",
    b"<>Oct 11 22:14:15 host tag: empty pri",
    b"<1234>Oct 11 22:14:15 host tag: pri too long",
    b"<13Oct 11 22:14:15 host tag: unterminated pri",
    b"<a>Oct 11 22:14:15 host tag: letter pri",
    b"<13>Oct 11 22:14:15 host tag: quotes \" and backslash \\ and slash / in msg",
    b"<13>Oct 11 22:14:15 host tag: multiple   spaces   here",
    b"<13>Oct 11 22:14:15 host tag: fields,with,commas,and;semicolons",
    b"<13>Oct 11 22:14:15 host tag: numbers 12345 and 678",
    b"<13>Oct 11 22:14:15 host tag: xxx marks",
    b"<13>Oct 11 22:14:15 host ..: dots tag",
    b"<13>Oct 11 22:14:15 host .: dot tag",
    b"<13>1 2003-10-11T22:14:15.003Z h " as &[u8],
    b"<13>1 2003-10-11T22:14:15.003Z h a p m [unterminated",
    b"<13>1 2003-10-11T22:14:15.003Z h a p ID47 hello no sd",
    b"<13>1 2003-10-11T22:14:15.003Z h a p m [x@1 a=\"b\"]msg",
    b"<13>1 2003-10-11T22:14:15.003Z h a/b p m - slash app",
    b"<13>1 2003-10-11T22:14:15.003Z h a:b p m - colon app",
    b"<14>1 2024-02-29T23:59:60.999999+14:00 leap.example app 1 m - leap second, leap day",
    b"<14>1 1999-12-31T23:59:59-12:00 y2k app 1 m - west",
    b"<14>Jan  1 00:00:00 host tag: new year",
    b"<14>Dec 31 23:59:59 host tag: old year",
];

/// Bytes of a generated message are chosen by this small LCG so the corpus
/// is the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const HOSTS: [&str; 5] = ["web01", "db-2.example.com", "10.1.2.3", "a_b", "H"];
const TAGS: [&str; 6] = [
    "sshd",
    "kernel",
    "CRON",
    "postfix/smtpd",
    "systemd-logind",
    "app.x",
];
const WORDS: [&str; 10] = [
    "Accepted",
    "password",
    "for",
    "root",
    "from",
    "192.0.2.7",
    "port",
    "22",
    "ssh2",
    "error:",
];

/// The whole corpus.
pub fn corpus() -> Vec<Case> {
    let mut out: Vec<Case> = HAND
        .iter()
        .enumerate()
        .map(|(i, raw)| Case {
            name: format!("hand-{i:03}"),
            raw: raw.to_vec(),
        })
        .collect();
    let mut rng = Lcg(0x5eed);
    for fac in 0..24u32 {
        for sev in 0..8u32 {
            let pri = fac * 8 + sev;
            let variant = (fac * 8 + sev) % 12;
            let raw = generated(&mut rng, pri, variant);
            out.push(Case {
                name: format!("gen-p{pri:03}-v{variant:02}"),
                raw,
            });
        }
    }
    for i in 0..40 {
        let pri = rng.below(192) as u32;
        let variant = rng.below(12) as u32;
        out.push(Case {
            name: format!("rnd-{i:02}-v{variant:02}"),
            raw: generated(&mut rng, pri, variant),
        });
    }
    out
}

fn words(rng: &mut Lcg, n: usize) -> String {
    (0..n)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

fn generated(rng: &mut Lcg, pri: u32, variant: u32) -> Vec<u8> {
    let month = MONTHS[rng.below(12) as usize];
    let day = 1 + rng.below(28);
    let (h, mi, s) = (rng.below(24), rng.below(60), rng.below(60));
    let bsd = format!("{month} {day:>2} {h:02}:{mi:02}:{s:02}");
    let host = HOSTS[rng.below(HOSTS.len() as u64) as usize];
    let tag = TAGS[rng.below(TAGS.len() as u64) as usize];
    let pid = rng.below(65536);
    let n = 1 + rng.below(8) as usize;
    let text = words(rng, n);
    let iso = format!(
        "20{:02}-{:02}-{:02}T{h:02}:{mi:02}:{s:02}",
        rng.below(30),
        1 + rng.below(12),
        day
    );
    let s = match variant {
        0 => format!("<{pri}>{bsd} {host} {tag}[{pid}]: {text}"),
        1 => format!("<{pri}>{bsd} {host} {tag}: {text}"),
        2 => format!("<{pri}>{bsd} {tag}[{pid}]: {text}"),
        3 => format!("<{pri}>1 {iso}.{:03}Z {host} {tag} {pid} ID{} - {text}", rng.below(1000), rng.below(100)),
        4 => format!(
            "<{pri}>1 {iso}+{:02}:30 {host} {tag} - - [origin@1 ip=\"10.0.0.{}\" x=\"q\\\"uote\"][meta@2 seq=\"{}\"] {text}",
            rng.below(14),
            rng.below(255),
            rng.below(1000)
        ),
        5 => format!("<{pri}>1 - {host} - - - - {text}"),
        6 => format!("<{pri}>{bsd}  {host}  {tag}:  {text}  "),
        7 => format!("<{pri}>{bsd} {host} {tag}: caf\u{e9} na\u{ef}ve \u{20ac} {text}"),
        8 => format!("<{pri}>{bsd} {host} {}: {text}", tag.repeat(8)),
        9 => format!("<{pri}>{bsd} {host} {}x: {text}", "t".repeat(600)),
        10 => format!("<{pri}>{month} {day} 20{:02} {h:02}:{mi:02}:{s:02} {host} {tag}: {text}", rng.below(30)),
        _ => format!("<{pri}>{iso}.{:06}-0{}:00 {host} {tag}[{pid}]: {text}", rng.below(1_000_000), rng.below(10)),
    };
    s.into_bytes()
}
