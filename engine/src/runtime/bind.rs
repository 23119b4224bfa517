//! Opening the listening sockets before any executor starts, so that a
//! port in use or a bad address is a clear start-up error, not a core that
//! dies later.
//!
//! In: the resolved inputs and the number of cores. Out: for every core,
//! its own TCP and UDP sockets (SO_REUSEPORT, so the kernel spreads
//! connections and datagrams over the cores), as raw descriptors that the
//! core adopts. A port another process listens on is refused, even when
//! that process shares it through SO_REUSEPORT (a second corelogd), once
//! it has stayed in use for a few seconds (a corelogd just killed releases
//! its ports a moment after its process is gone). Unix
//! sockets have one owner (core 0): here their path is prepared
//! (directory created, a stale socket file removed) and checked.

use std::net::SocketAddr;
use std::os::unix::io::{IntoRawFd, RawFd};
use std::path::Path;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::systemd::{self, Listening, Passed};
use crate::config::modules::SocketFile;
use crate::input::{InputError, InputSpec, Kind};

/// A socket opened for one core: the input it belongs to and its fd.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub input: usize,
    pub kind: Kind,
    pub fd: RawFd,
}

/// Opens every core's sockets; `cores[c]` lists core c's. Every port is
/// taken before any unix socket path is touched, so a start that fails on
/// a port leaves a running corelogd's unix socket in place. A socket
/// systemd passed for an input's address is taken over instead (each core
/// gets a duplicate of it); one passed for a unix datagram socket's path
/// is left for core 0 in `unix_passed` (by input), and its file is not
/// touched.
pub fn bind_all(
    specs: &[InputSpec],
    cores: usize,
    passed: &mut Passed,
    unix_passed: &mut Vec<(usize, RawFd)>,
) -> Result<Vec<Vec<Bound>>, InputError> {
    let mut out = vec![Vec::new(); cores];
    let (inet, unix): (Vec<_>, Vec<_>) = specs
        .iter()
        .enumerate()
        .partition(|(_, s)| matches!(s.kind, Kind::Tcp | Kind::Udp));
    for (i, spec) in inet {
        for addr in &spec.addrs {
            let fail = |source| InputError::Listen {
                module: spec.module(),
                addr: *addr,
                source,
            };
            let listening = match spec.kind {
                Kind::Udp => Listening::Udp(*addr),
                _ => Listening::Tcp(*addr),
            };
            if let Some(fd) = passed.take(&listening) {
                for c in out.iter_mut() {
                    c.push(Bound {
                        input: i,
                        kind: spec.kind,
                        fd: systemd::dup(fd).map_err(fail)?,
                    });
                }
                // SAFETY: every core holds its duplicate; this one is ours.
                unsafe { libc::close(fd) };
                continue;
            }
            probe_unshared(spec.kind, *addr).map_err(fail)?;
            for c in out.iter_mut() {
                let fd = bind_inet(spec, *addr).map_err(fail)?;
                c.push(Bound {
                    input: i,
                    kind: spec.kind,
                    fd,
                });
            }
        }
    }
    for (i, spec) in unix {
        let Some(file) = spec.socket() else {
            unreachable!("a unix input has a socket file");
        };
        // Datagram sockets only (imuxsock's): glommio cannot adopt a
        // listening unix stream socket.
        let listening = Listening::UnixDgram(file.path.clone());
        if spec.kind == Kind::UnixDgram {
            if let Some(fd) = passed.take(&listening) {
                unix_passed.push((i, fd));
                continue;
            }
        }
        prepare_unix(file).map_err(|source| InputError::Socket {
            module: spec.module(),
            path: file.path.clone(),
            source,
        })?;
    }
    Ok(out)
}

/// How long a port in use is tried again before it is an error. A
/// corelogd killed a moment ago still holds its ports after its process
/// is gone, until the kernel has torn down its io_uring rings (about 7 ms
/// measured on an idle machine; longer under load).
const PORT_RELEASE_WAIT: Duration = Duration::from_secs(5);

/// Binds `addr` once without SO_REUSEPORT and lets it go. The per-core
/// sockets share their port through SO_REUSEPORT, which any process of
/// the same user may join: without this check a second corelogd started
/// by mistake would silently take half the connections and datagrams.
/// Here it fails, as a second rsyslogd does, once the port has stayed in
/// use for [`PORT_RELEASE_WAIT`]. (SO_REUSEADDR on the TCP probe only
/// passes over connections left in TIME_WAIT by a previous run.)
fn probe_unshared(kind: Kind, addr: SocketAddr) -> std::io::Result<()> {
    if addr.port() == 0 {
        return Ok(());
    }
    let (ty, proto) = match kind {
        Kind::Udp => (Type::DGRAM, Protocol::UDP),
        _ => (Type::STREAM, Protocol::TCP),
    };
    let deadline = Instant::now() + PORT_RELEASE_WAIT;
    loop {
        let s = Socket::new(Domain::for_address(addr), ty, Some(proto))?;
        s.set_reuse_address(kind == Kind::Tcp)?;
        match s.bind(&addr.into()) {
            Err(e) if e.raw_os_error() == Some(libc::EADDRINUSE) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            r => return r,
        }
    }
}

fn bind_inet(spec: &InputSpec, addr: SocketAddr) -> std::io::Result<RawFd> {
    let (ty, proto) = match spec.kind {
        Kind::Udp => (Type::DGRAM, Protocol::UDP),
        _ => (Type::STREAM, Protocol::TCP),
    };
    let s = Socket::new(Domain::for_address(addr), ty, Some(proto))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_cloexec(true)?;
    if let Some(n) = spec.config.rcvbuf {
        set_rcvbuf(&s, n)?;
    }
    s.bind(&addr.into())?;
    if spec.kind == Kind::Tcp {
        s.listen(i32::try_from(spec.backlog()).unwrap_or(i32::MAX))?;
    }
    Ok(s.into_raw_fd())
}

/// `rcvBufSize`: as rsyslog, beyond `net.core.rmem_max` when privileged
/// (SO_RCVBUFFORCE), else as far as the limit allows.
fn set_rcvbuf(s: &Socket, n: usize) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let v = libc::c_int::try_from(n).unwrap_or(libc::c_int::MAX);
    // SAFETY: setsockopt reads one c_int from `v`, which outlives the call.
    let forced = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    } == 0;
    if !forced {
        s.set_recv_buffer_size(n)?;
    }
    Ok(())
}

/// Creates the socket's directory (`createPath`) and removes a stale
/// socket file (`unlink`), then checks that a socket can be bound there.
fn prepare_unix(file: &SocketFile) -> std::io::Result<()> {
    let path = file.path.as_path();
    if file.create_path {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::os::unix::fs::DirBuilderExt::mode(
                std::fs::DirBuilder::new().recursive(true),
                0o755,
            )
            .create(dir)?;
        }
    }
    if file.unlink {
        remove_stale(path)?;
    }
    let probe = std::os::unix::net::UnixDatagram::bind(path)?;
    drop(probe);
    std::fs::remove_file(path)
}

/// Removes `path` if it is a socket; refuses to remove anything else.
pub fn remove_stale(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_socket() => std::fs::remove_file(path),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "a file that is not a socket is in the way",
        )),
        Err(_) => Ok(()),
    }
}

/// Gives a unix socket its mode (imuxsock's 0666, as /dev/log; imptcp's
/// `fileCreateMode`).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
