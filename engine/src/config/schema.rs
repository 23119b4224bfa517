//! Parameter names of rsyslog's configuration objects, by object and
//! module, as rsyslog 8 accepts them (from its parameter tables), so that an
//! unknown name is an error with a "did you mean" instead of being ignored.
//! Names are compared case-insensitively, as rsyslog compares them.
//!
//! Only names live here; what each value means is checked where the value
//! is used (queue parameters in [`super::queue`], templates in
//! [`crate::template`], inputs and actions by the runtime that runs them).

/// `global()`.
pub const GLOBAL: &[&str] = &[
    "abortonfailedqueuestartup",
    "abortonuncleanconfig",
    "action.reportsuspension",
    "action.reportsuspensioncontinuation",
    "allmessagestostderr",
    "compactjsonstring",
    "compatibility.configformat.legacy",
    "compatibility.configformat.property",
    "compatibility.configformat.syslogd",
    "compatibility.defaults.secure",
    "debug.abortonprogramerror",
    "debug.files",
    "debug.gnutls",
    "debug.logfile",
    "debug.onshutdown",
    "debug.unloadmodules",
    "debug.whitelist",
    "default.action.queue.timeoutactioncompletion",
    "default.action.queue.timeoutenqueue",
    "default.action.queue.timeoutshutdown",
    "default.action.queue.timeoutworkerthreadshutdown",
    "default.ruleset.queue.timeoutactioncompletion",
    "default.ruleset.queue.timeoutenqueue",
    "default.ruleset.queue.timeoutshutdown",
    "default.ruleset.queue.timeoutworkerthreadshutdown",
    "defaultnetstreamdriver",
    "defaultnetstreamdrivercafile",
    "defaultnetstreamdrivercertfile",
    "defaultnetstreamdrivercrlfile",
    "defaultnetstreamdriverkeyfile",
    "defaultopensslengine",
    "dropmsgswithmaliciousdnsptrrecords",
    "environment",
    "errormessagestostderr.maxnumber",
    "inputs.timeout.shutdown",
    "internal.developeronly.options",
    "internalmsg.ratelimit.burst",
    "internalmsg.ratelimit.interval",
    "internalmsg.severity",
    "janitor.interval",
    "libcapng.default",
    "libcapng.enable",
    "localhostname",
    "maxmessagesize",
    "maxopenfiles",
    "net.acladdhostnameonfail",
    "net.aclresolvehostname",
    "net.enabledns",
    "net.ipprotocol",
    "net.permitaclwarning",
    "netstreamdrivercaextrafiles",
    "operatingstatefile",
    "oversizemsg.errorfile",
    "oversizemsg.input.mode",
    "oversizemsg.report",
    "parser.controlcharacterescapeprefix",
    "parser.droptrailingcronreception",
    "parser.droptrailinglfonreception",
    "parser.escape8bitcharactersonreceive",
    "parser.escapecontrolcharacterscstyle",
    "parser.escapecontrolcharactersonreceive",
    "parser.escapecontrolcharactertab",
    "parser.parsehostnameandtag",
    "parser.permitslashinprogramname",
    "parser.spacelfonreceive",
    "parser.supportcompressionextension",
    "preservefqdn",
    "privdrop.group.id",
    "privdrop.group.keepsupplemental",
    "privdrop.group.name",
    "privdrop.user.id",
    "privdrop.user.name",
    "processinternalmessages",
    "reportchildprocessexits",
    "reverselookup.cache.ttl.default",
    "reverselookup.cache.ttl.enable",
    "security.abortonidresolutionfail",
    "senders.keeptrack",
    "senders.reportgoneaway",
    "senders.reportnew",
    "senders.timeoutafter",
    "shutdown.enable.ctlc",
    "shutdown.queue.doublesize",
    "stdlog.channelspec",
    "systemd.notifyreadydelay",
    "umask",
    "variables.casesensitive",
    "workdirectory",
];

/// `action()`: what every action accepts besides `queue.*` and its module's own.
pub const ACTION_GENERAL: &[&str] = &[
    "action.copymsg",
    "action.errorfile",
    "action.errorfile.maxsize",
    "action.execonlyeverynthtime",
    "action.execonlyeverynthtimetimeout",
    "action.execonlyonceeveryinterval",
    "action.execonlywhenpreviousissuspended",
    "action.externalstate.file",
    "action.ratelimit.name",
    "action.repeatedmsgcontainsoriginalmsg",
    "action.reportsuspension",
    "action.reportsuspensioncontinuation",
    "action.resumeinterval",
    "action.resumeintervalmax",
    "action.resumeretrycount",
    "action.writeallmarkmessages",
    "name",
    "type",
];

/// `queue.*`, for `main_queue()`, `ruleset()` and `action()`.
pub const QUEUE: &[&str] = &[
    "queue.checkpointinterval",
    "queue.cry.provider",
    "queue.dequeuebatchsize",
    "queue.dequeueslowdown",
    "queue.dequeuetimebegin",
    "queue.dequeuetimeend",
    "queue.discardmark",
    "queue.discardseverity",
    "queue.diskqueueautoupgrade",
    "queue.diskqueueidletimeout",
    "queue.diskqueuetype",
    "queue.filename",
    "queue.fulldelaymark",
    "queue.highwatermark",
    "queue.lightdelaymark",
    "queue.lowwatermark",
    "queue.maxdiskspace",
    "queue.maxfilesize",
    "queue.mindequeuebatchsize",
    "queue.mindequeuebatchsize.timeout",
    "queue.oncorruption",
    "queue.samplinginterval",
    "queue.saveonshutdown",
    "queue.size",
    "queue.spooldirectory",
    "queue.syncqueuefiles",
    "queue.takeflowctlfrommsg",
    "queue.timeoutactioncompletion",
    "queue.timeoutenqueue",
    "queue.timeoutshutdown",
    "queue.timeoutworkerthreadshutdown",
    "queue.type",
    "queue.workerthreadminimummessages",
    "queue.workerthreads",
];

/// `ruleset()`, besides `queue.*`.
pub const RULESET: &[&str] = &["name", "parser"];

/// `main_queue()`, besides `queue.*`.
pub const MAIN_QUEUE: &[&str] = &["name"];

/// `template()`.
pub const TEMPLATE: &[&str] = &[
    "name",
    "option.casesensitive",
    "option.json",
    "option.jsonf",
    "option.jsonftree",
    "option.sql",
    "option.stdsql",
    "plugin",
    "string",
    "subtree",
    "type",
];

/// `property()` in a list template.
pub const PROPERTY: &[&str] = &[
    "caseconversion",
    "compressspace",
    "controlcharacters",
    "datatype",
    "date.inutc",
    "dateformat",
    "droplastlf",
    "field.delimiter",
    "field.number",
    "fixedwidth",
    "format",
    "mandatory",
    "name",
    "omitifzero",
    "onempty",
    "outname",
    "position.from",
    "position.relativetoend",
    "position.to",
    "regex.expression",
    "regex.match",
    "regex.nomatchmode",
    "regex.submatch",
    "regex.type",
    "securepath",
    "spifno1stsp",
];

/// `constant()` in a list template.
pub const CONSTANT: &[&str] = &["format", "outname", "value"];

/// `parser()` (type `pmrfc3164`).
pub const PARSER: &[&str] = &[
    "detect.headerless",
    "detect.yearaftertimestamp",
    "force.tagendingbycolon",
    "headerless.drop",
    "headerless.errorfile",
    "headerless.hostname",
    "headerless.ruleset",
    "headerless.tag",
    "name",
    "permit.atsignsinhostname",
    "permit.slashesinhostname",
    "permit.squarebracketsinhostname",
    "remove.msgfirstspace",
    "type",
];

/// `module(load="imtcp")`.
pub const IMTCP_MODULE: &[&str] = &[
    "addtlframedelimiter",
    "allowedsender",
    "compression.driver",
    "compression.maxdecompressedbytesperreceive",
    "compression.maxexpansionratio",
    "compression.maxtotalzstdwindowbytes",
    "compression.mode",
    "disablelfdelimiter",
    "discardtruncatedmsg",
    "flowcontrol",
    "gnutlsprioritystring",
    "keepalive",
    "keepalive.interval",
    "keepalive.probes",
    "keepalive.time",
    "maxframesize",
    "maxlisteners",
    "maxlistners",
    "maxsessions",
    "networknamespace",
    "notifyonconnectionclose",
    "notifyonconnectionopen",
    "octetcountedframing",
    "permittedpeer",
    "preservecase",
    "starvationprotection.maxreads",
    "streamdriver.authmode",
    "streamdriver.cafile",
    "streamdriver.certfile",
    "streamdriver.checkextendedkeypurpose",
    "streamdriver.crlfile",
    "streamdriver.keyfile",
    "streamdriver.mode",
    "streamdriver.name",
    "streamdriver.permitexpiredcerts",
    "streamdriver.prioritizesan",
    "streamdriver.tlsrevocationcheck",
    "streamdriver.tlsverifydepth",
    "workerthreads",
];

/// `input(type="imtcp")`.
pub const IMTCP_INPUT: &[&str] = &[
    "address",
    "addtlframedelimiter",
    "allowedsender",
    "compression.driver",
    "compression.maxdecompressedbytesperreceive",
    "compression.maxexpansionratio",
    "compression.maxtotalzstdwindowbytes",
    "compression.mode",
    "defaulttz",
    "disablelfdelimiter",
    "discardtruncatedmsg",
    "flowcontrol",
    "framing.delimiter.regex",
    "framingfix.cisco.asa",
    "gnutlsprioritystring",
    "keepalive",
    "listenportfilename",
    "maxframesize",
    "maxlisteners",
    "maxsessions",
    "multiline",
    "name",
    "networknamespace",
    "notifyonconnectionclose",
    "notifyonconnectionopen",
    "permittedpeer",
    "port",
    "preservecase",
    "ratelimit.burst",
    "ratelimit.interval",
    "ratelimit.name",
    "ruleset",
    "socketbacklog",
    "starvationprotection.maxreads",
    "streamdriver.authmode",
    "streamdriver.checkextendedkeypurpose",
    "streamdriver.mode",
    "streamdriver.name",
    "streamdriver.permitexpiredcerts",
    "streamdriver.prioritizesan",
    "streamdriver.tlsrevocationcheck",
    "streamdriver.tlsverifydepth",
    "supportoctetcountedframing",
    "type",
    "workerthreads",
];

/// `module(load="imptcp")`.
pub const IMPTCP_MODULE: &[&str] = &["maxsessions", "processonpoller", "threads"];

/// `input(type="imptcp")`.
pub const IMPTCP_INPUT: &[&str] = &[
    "address",
    "addtlframedelimiter",
    "compression.mode",
    "defaulttz",
    "discardtruncatedmsg",
    "failonchownfailure",
    "filecreatemode",
    "filegroup",
    "filegroupnum",
    "fileowner",
    "fileownernum",
    "flowcontrol",
    "framing.delimiter.regex",
    "framingfix.cisco.asa",
    "keepalive",
    "listenportfilename",
    "maxframesize",
    "maxsessions",
    "multiline",
    "name",
    "notifyonconnectionclose",
    "notifyonconnectionopen",
    "path",
    "port",
    "ratelimit.burst",
    "ratelimit.interval",
    "ratelimit.name",
    "ruleset",
    "socketbacklog",
    "supportoctetcountedframing",
    "type",
    "unlink",
];

/// `module(load="imudp")`.
pub const IMUDP_MODULE: &[&str] = &[
    "allowedsender",
    "batchsize",
    "preservecase",
    "schedulingpolicy",
    "schedulingpriority",
    "threads",
    "timerequery",
];

/// `input(type="imudp")`.
pub const IMUDP_INPUT: &[&str] = &[
    "address",
    "allowedsender",
    "defaulttz",
    "device",
    "inputname",
    "inputname.appendport",
    "ipfreebind",
    "listenportfilename",
    "name",
    "name.appendport",
    "port",
    "ratelimit.burst",
    "ratelimit.interval",
    "ratelimit.name",
    "rcvbufsize",
    "ruleset",
    "type",
];

/// `module(load="imuxsock")`.
pub const IMUXSOCK_MODULE: &[&str] = &[
    "syssock.annotate",
    "syssock.flowcontrol",
    "syssock.ignoreownmessages",
    "syssock.ignoretimestamp",
    "syssock.name",
    "syssock.parsehostname",
    "syssock.parsetrusted",
    "syssock.ratelimit.burst",
    "syssock.ratelimit.interval",
    "syssock.ratelimit.name",
    "syssock.ratelimit.severity",
    "syssock.unlink",
    "syssock.use",
    "syssock.usepidfromsystem",
    "syssock.usespecialparser",
    "syssock.usesystimestamp",
];

/// `input(type="imuxsock")`.
pub const IMUXSOCK_INPUT: &[&str] = &[
    "annotate",
    "createpath",
    "flowcontrol",
    "hostname",
    "ignoreownmessages",
    "ignoretimestamp",
    "parsehostname",
    "parsetrusted",
    "ratelimit.burst",
    "ratelimit.interval",
    "ratelimit.name",
    "ratelimit.severity",
    "ruleset",
    "socket",
    "type",
    "unlink",
    "usepidfromsystem",
    "usespecialparser",
    "usesystimestamp",
];

/// `module(load="imrelp")`.
pub const IMRELP_MODULE: &[&str] = &["ruleset", "tls.tlslib"];

/// `input(type="imrelp")`.
pub const IMRELP_INPUT: &[&str] = &[
    "address",
    "flowcontrol",
    // corelog: close a session silent this many seconds (0: never).
    "idletimeout",
    "keepalive",
    "keepalive.interval",
    "keepalive.probes",
    "keepalive.time",
    "maxdatasize",
    "name",
    "oversizemode",
    "port",
    "ratelimit.burst",
    "ratelimit.interval",
    "ratelimit.name",
    "ruleset",
    "tls",
    "tls.authmode",
    "tls.cacert",
    "tls.compression",
    "tls.dhbits",
    "tls.mycert",
    "tls.myprivkey",
    "tls.permittedpeer",
    "tls.prioritystring",
    "tls.tlscfgcmd",
    "type",
];

/// `module(load="imklog")`.
pub const IMKLOG_MODULE: &[&str] = &[
    "consoleloglevel",
    "internalmsgfacility",
    "keepkerneltimestamp",
    "logpath",
    "parsekerneltimestamp",
    "permitnonkernelfacility",
    "ratelimit.name",
    "ratelimitburst",
    "ratelimitinterval",
    "ruleset",
];

/// `module(load="imjournal")`.
pub const IMJOURNAL_MODULE: &[&str] = &[
    "defaultfacility",
    "defaultseverity",
    "defaulttag",
    "filecreatemode",
    "fsync",
    "ignorenonvalidstatefile",
    "ignorepreviousmessages",
    "namespace",
    "persiststateinterval",
    "ratelimit.burst",
    "ratelimit.interval",
    "ratelimit.name",
    "remote",
    "statefile",
    "usepid",
    "usepidfromsystem",
    "workaroundjournalbug",
];

/// `input(type="imjournal")`.
pub const IMJOURNAL_INPUT: &[&str] = &["main", "ruleset", "type"];

/// `module(load="imfile")`.
pub const IMFILE_MODULE: &[&str] = &[
    "deletestateonfilemove",
    "inotifyfallbackinterval",
    "maxinotifywatches",
    "mode",
    "normalizepath",
    "pollinginterval",
    "readtimeout",
    "sortfiles",
    "statefile.directory",
    "timeoutgranularity",
];

/// `input(type="imfile")`.
pub const IMFILE_INPUT: &[&str] = &[
    "addceetag",
    "addmetadata",
    "delay.message",
    "deletestateonfiledelete",
    "deletestateonfilemove",
    "discardtruncatedmsg",
    "endmsg.regex",
    "escapelf",
    "escapelf.replacement",
    "facility",
    "file",
    "filenotfounderror",
    "freshstarttail",
    "ignoreolderthan",
    "maxbytesperminute",
    "maxlinesatonce",
    "maxlinesperminute",
    "maxsubmitatonce",
    "msgdiscardingerror",
    "needparse",
    "persiststateaftersubmission",
    "persiststateinterval",
    "readmode",
    "readtimeout",
    "removestateondelete",
    "reopenontruncate",
    "ruleset",
    "severity",
    "startmsg.regex",
    "statefile",
    "tag",
    "trimlineoverbytes",
    "type",
];

/// `module(load="builtin:omfile")`.
pub const OMFILE_MODULE: &[&str] = &[
    "addlf",
    "compression.driver",
    "compression.zstd.workers",
    "dircreatemode",
    "dirgroup",
    "dirgroupnum",
    "dirowner",
    "dirownernum",
    "dynafile.dangerouspermitpathescape",
    "dynafile.donotsuspend",
    "dynafile.restricttemplatetype",
    "filecreatemode",
    "filegroup",
    "filegroupnum",
    "fileowner",
    "fileownernum",
    "followsymlinks",
    "template",
];

/// `action(type="omfile")`.
pub const OMFILE_ACTION: &[&str] = &[
    "addlf",
    "asyncwriting",
    "closetimeout",
    "createdirs",
    "cry.provider",
    "dircreatemode",
    "dirgroup",
    "dirgroupnum",
    "dirowner",
    "dirownernum",
    "dynafile",
    "dynafile.dangerouspermitpathescape",
    "dynafilecachesize",
    "failonchownfailure",
    "file",
    "filecreatemode",
    "filegroup",
    "filegroupnum",
    "fileowner",
    "fileownernum",
    "flushinterval",
    "flushontxend",
    "followsymlinks",
    "iobuffersize",
    "rotation.sizelimit",
    "rotation.sizelimitcommand",
    "rotation.sizelimitcommandpassfilename",
    "sig.provider",
    "sync",
    "template",
    "veryrobustzip",
    "ziplevel",
];

/// `module(load="builtin:omfwd")`.
pub const OMFWD_MODULE: &[&str] = &[
    "iobuffer.maxsize",
    "streamdriver.caextrafiles",
    "streamdriver.cafile",
    "streamdriver.certfile",
    "streamdriver.crlfile",
    "streamdriver.keyfile",
    "template",
];

/// `action(type="omfwd")`.
pub const OMFWD_ACTION: &[&str] = &[
    "address",
    "compression.driver",
    "compression.mode",
    "compression.stream.flushontxend",
    "conerrskip",
    "device",
    "extendedconnectioncheck",
    "gnutlsprioritystring",
    "ipfreebind",
    "keepalive",
    "maxerrormessages",
    "networknamespace",
    "pool.resumeinterval",
    "port",
    "protocol",
    "ratelimit.burst",
    "ratelimit.interval",
    "ratelimit.name",
    "rebindinterval",
    "resendlastmsgonreconnect",
    "streamdriver",
    "streamdriver.authmode",
    "streamdriver.checkextendedkeypurpose",
    "streamdriver.mode",
    "streamdriver.name",
    "streamdriver.permitexpiredcerts",
    "streamdriver.prioritizesan",
    "streamdriver.remotesni",
    "streamdriver.tlsverifydepth",
    "streamdriverauthmode",
    "streamdrivermode",
    "streamdriverpermittedpeers",
    "streamdriverremotesni",
    "target",
    "targetsrv",
    "tcp_framedelimiter",
    "tcp_framing",
    "tcp_user_timeout",
    "template",
    "udp.sendbuf",
    "udp.senddelay",
    "udp.sendtoall",
    "ziplevel",
];

/// `module(load="omrelp")`.
pub const OMRELP_MODULE: &[&str] = &["tls.tlslib"];

/// `action(type="omrelp")`.
pub const OMRELP_ACTION: &[&str] = &[
    "conn.timeout",
    "keepalive",
    "localclientip",
    "port",
    "rebindinterval",
    "target",
    "template",
    "timeout",
    "tls",
    "tls.authmode",
    "tls.cacert",
    "tls.compression",
    "tls.mycert",
    "tls.myprivkey",
    "tls.permanentfailuredisablesaction",
    "tls.permittedpeer",
    "tls.prioritystring",
    "tls.tlscfgcmd",
    "windowsize",
];

/// `module(load="builtin:ompipe")`.
pub const OMPIPE_MODULE: &[&str] = &["template"];

/// `action(type="ompipe")`.
pub const OMPIPE_ACTION: &[&str] = &["pipe", "template", "tryresumereopen"];

/// `action(type="omusrmsg")`.
pub const OMUSRMSG_ACTION: &[&str] = &[
    "ratelimit.burst",
    "ratelimit.interval",
    "ratelimit.name",
    "template",
    "users",
];

/// What a module does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    Input,
    Output,
}

/// A module rsyslog configurations name, and what corelog makes of it.
#[derive(Debug)]
pub struct Module {
    /// The name in `type=` (`imtcp`, `omfile`).
    pub name: &'static str,
    /// Built into rsyslogd: usable without `module(load=)`, and loaded as
    /// `builtin:<name>`.
    pub builtin: bool,
    pub kind: ModuleKind,
    /// `module(load=…)` parameters.
    pub module_params: &'static [&'static str],
    /// `input()` or `action()` parameters.
    pub instance_params: &'static [&'static str],
    /// corelog runs it; a configuration that uses a module corelog does not
    /// run is valid, with a warning naming what will not happen.
    pub supported: bool,
}

/// Every module the configuration may name.
pub const MODULES: &[Module] = &[
    Module {
        name: "imtcp",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: IMTCP_MODULE,
        instance_params: IMTCP_INPUT,
        supported: true,
    },
    Module {
        name: "imptcp",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: IMPTCP_MODULE,
        instance_params: IMPTCP_INPUT,
        supported: true,
    },
    Module {
        name: "imudp",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: IMUDP_MODULE,
        instance_params: IMUDP_INPUT,
        supported: true,
    },
    Module {
        name: "imuxsock",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: IMUXSOCK_MODULE,
        instance_params: IMUXSOCK_INPUT,
        supported: true,
    },
    Module {
        name: "imrelp",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: IMRELP_MODULE,
        instance_params: IMRELP_INPUT,
        supported: true,
    },
    Module {
        name: "imklog",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: IMKLOG_MODULE,
        instance_params: &[],
        supported: false,
    },
    Module {
        name: "imjournal",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: IMJOURNAL_MODULE,
        instance_params: IMJOURNAL_INPUT,
        supported: false,
    },
    Module {
        name: "imfile",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: IMFILE_MODULE,
        instance_params: IMFILE_INPUT,
        supported: false,
    },
    Module {
        name: "immark",
        builtin: false,
        kind: ModuleKind::Input,
        module_params: &["interval"],
        instance_params: &[],
        supported: false,
    },
    Module {
        name: "omfile",
        builtin: true,
        kind: ModuleKind::Output,
        module_params: OMFILE_MODULE,
        instance_params: OMFILE_ACTION,
        supported: true,
    },
    Module {
        name: "omfwd",
        builtin: true,
        kind: ModuleKind::Output,
        module_params: OMFWD_MODULE,
        instance_params: OMFWD_ACTION,
        supported: true,
    },
    Module {
        name: "omrelp",
        builtin: false,
        kind: ModuleKind::Output,
        module_params: OMRELP_MODULE,
        instance_params: OMRELP_ACTION,
        supported: true,
    },
    Module {
        name: "ompipe",
        builtin: true,
        kind: ModuleKind::Output,
        module_params: OMPIPE_MODULE,
        instance_params: OMPIPE_ACTION,
        supported: false,
    },
    Module {
        name: "omusrmsg",
        builtin: true,
        kind: ModuleKind::Output,
        module_params: &[],
        instance_params: OMUSRMSG_ACTION,
        supported: false,
    },
];

/// The module called `name` (case-insensitive), if there is one.
pub fn module(name: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.name.eq_ignore_ascii_case(name))
}
