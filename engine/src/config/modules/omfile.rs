//! omfile: `module(load="builtin:omfile")` and `action(type="omfile")`.
//!
//! In: the action's parameters over the module's and, for legacy
//! selector lines, the `$FileOwner`/`$FileCreateMode`/… directives in
//! force. Out: an [`OmfileConfig`]. Compression, signing, encryption and
//! size-based rotation are refused until they are carried out.

use super::why;
use crate::config::param::{Param, Resolved, Table, Type, INT, NON_NEG, POSITIVE};

const NO_SUSPEND: &str = "suspending the action when a dynaFile cannot be opened is not built yet; as with \"on\", the message whose file cannot be opened is not written (said and counted) and the others go on";

/// The parameters `module()` sets for every omfile action, and the action
/// itself too (the action's value wins), followed by the object's own.
macro_rules! with_shared {
    ($($own:expr),* $(,)?) => {
        &[
            Param::new("template", Type::Template, "RSYSLOG_FileFormat")
                .legacy("$ActionFileDefaultTemplate")
                .sample("RSYSLOG_TraditionalFileFormat"),
            Param::new("dirCreateMode", Type::Mode, "0700").legacy("$DirCreateMode"),
            Param::new("fileCreateMode", Type::Mode, "0644").legacy("$FileCreateMode"),
            Param::new("dirOwner", Type::Str, "").note("corelogd's user").legacy("$DirOwner").sample("root"),
            Param::new("dirOwnerNum", INT, "").note("corelogd's user").legacy("$DirOwnerNum"),
            Param::new("dirGroup", Type::Str, "").note("corelogd's group").legacy("$DirGroup").sample("root"),
            Param::new("dirGroupNum", INT, "").note("corelogd's group").legacy("$DirGroupNum"),
            Param::new("fileOwner", Type::Str, "").note("corelogd's user").legacy("$FileOwner").sample("root"),
            Param::new("fileOwnerNum", INT, "").note("corelogd's user").legacy("$FileOwnerNum"),
            Param::new("fileGroup", Type::Str, "").note("corelogd's group").legacy("$FileGroup").sample("root"),
            Param::new("fileGroupNum", INT, "").note("corelogd's group").legacy("$FileGroupNum"),
            $($own),*
        ]
    };
}

/// `module(load="builtin:omfile")`.
pub static MODULE: Table = Table {
    object: "module(load=\"builtin:omfile\")",
    params: with_shared![
        Param::new("compression.driver", Type::Enum(&["zlib", "zstd"]), "zlib")
            .refused(why::COMPRESSION),
        Param::new("compression.zstd.workers", POSITIVE, "").refused(why::COMPRESSION),
        Param::new("dynafile.donotsuspend", Type::Bool, "on").refused(NO_SUSPEND),
    ],
};

/// `action(type="omfile")`, besides `action.*` and `queue.*`.
pub static ACTION: Table = Table {
    object: "action(type=\"omfile\")",
    params: with_shared![
        Param::new("dynaFileCacheSize", POSITIVE, "10").legacy("$DynaFileCacheSize"),
        Param::new("dynafile.dangerousPermitPathEscape", Type::Bool, "off")
            .note("not in rsyslog 8.2302, which lets a rendered dynaFile path go anywhere (newer rsyslog contains it too): off, a path that leaves the directory of the template's constant prefix is not opened (that message is counted, the rest written)"),
        Param::new("zipLevel", Type::Int { min: 0, max: 9 }, "0")
            .legacy("$OMFileZipLevel")
            .refused(why::COMPRESSION),
        Param::new("flushInterval", POSITIVE, "1").legacy("$OMFileFlushInterval"),
        Param::new("asyncWriting", Type::Bool, "off")
            .legacy("$OMFileASyncWriting")
            .warned("corelogd writes on the core that owns the action, never on an input's; with flushOnTXEnd=\"off\" it flushes every flushInterval, as asyncWriting does"),
        Param::new("veryRobustZip", Type::Bool, "off").refused(why::COMPRESSION),
        Param::new("flushOnTXEnd", Type::Bool, "on").legacy("$OMFileFlushOnTXEnd"),
        Param::new(
            "ioBufferSize",
            Type::Size {
                min: 1,
                max: 1 << 30,
            },
            "4k",
        )
        .legacy("$OMFileIOBufferSize"),
        Param::new("failOnChOwnFailure", Type::Bool, "on").legacy("$FailOnChownFailure"),
        Param::new("createDirs", Type::Bool, "on").legacy("$CreateDirs"),
        Param::new("sync", Type::Bool, "off").legacy("$ActionFileEnableSync"),
        Param::new("file", Type::Path, "").note("file or dynaFile is required"),
        Param::new("dynaFile", Type::Template, "").note("file or dynaFile is required"),
        Param::new("sig.provider", Type::Str, "").refused(why::SIGNING),
        Param::new("cry.provider", Type::Str, "").refused(why::SIGNING),
        Param::new("closeTimeout", NON_NEG, "")
            .note("minutes; 10 with dynaFile, else 0 (never)")
            .sample("5"),
        Param::new("rotation.sizeLimit", Type::Size { min: 0, max: i64::MAX }, "0")
            .refused("size-based rotation is not built yet; the file would grow past the limit"),
        Param::new("rotation.sizeLimitCommand", Type::Str, "")
            .refused("size-based rotation is not built yet; the command would never run"),
    ],
};

/// Who should own what omfile creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Whoever corelogd runs as.
    Unchanged,
    /// A user or group name, looked up at start.
    Name(String),
    Id(u32),
}

/// omfile's parameters, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmfileConfig {
    /// `file`; `None` with `dynaFile` (the template is the action's).
    pub file: Option<String>,
    pub create_dirs: bool,
    pub dir_create_mode: u32,
    pub file_create_mode: u32,
    pub file_owner: Owner,
    pub file_group: Owner,
    pub dir_owner: Owner,
    pub dir_group: Owner,
    pub fail_on_chown_failure: bool,
    pub dynafile_cache_size: usize,
    pub io_buffer_size: usize,
    pub flush_on_tx_end: bool,
    pub flush_interval_s: u64,
    /// `closeTimeout` in minutes (0: never).
    pub close_timeout_min: u64,
    pub sync: bool,
    /// `dynafile.dangerousPermitPathEscape`.
    pub permit_path_escape: bool,
}

fn owner(r: &Resolved, name: &str, num: &str) -> Owner {
    let by_name = r.opt_str(name);
    match r.opt_int(num) {
        Some(id) => Owner::Id(id as u32),
        None => by_name.map_or(Owner::Unchanged, Owner::Name),
    }
}

/// Reads an omfile action (its `dynaFile` template and `template` are
/// resolved by the builder, which checks they exist).
pub fn resolve(r: &Resolved) -> OmfileConfig {
    r.consumed("template");
    let dynamic = r.opt_str("dynaFile").is_some();
    OmfileConfig {
        file: r.opt_str("file"),
        create_dirs: r.bool("createDirs"),
        dir_create_mode: r.int("dirCreateMode") as u32,
        file_create_mode: r.int("fileCreateMode") as u32,
        file_owner: owner(r, "fileOwner", "fileOwnerNum"),
        file_group: owner(r, "fileGroup", "fileGroupNum"),
        dir_owner: owner(r, "dirOwner", "dirOwnerNum"),
        dir_group: owner(r, "dirGroup", "dirGroupNum"),
        fail_on_chown_failure: r.bool("failOnChOwnFailure"),
        dynafile_cache_size: r.int("dynaFileCacheSize") as usize,
        io_buffer_size: r.int("ioBufferSize") as usize,
        flush_on_tx_end: r.bool("flushOnTXEnd"),
        flush_interval_s: r.int("flushInterval") as u64,
        close_timeout_min: r
            .opt_int("closeTimeout")
            .map_or(if dynamic { 10 } else { 0 }, |m| m as u64),
        sync: r.bool("sync"),
        permit_path_escape: r.bool("dynafile.dangerousPermitPathEscape"),
    }
}
