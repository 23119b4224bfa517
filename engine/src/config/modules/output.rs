//! What every action resolves into: the output module's typed config.

use super::omfile::OmfileConfig;
use super::omfwd::OmfwdConfig;
use super::omkafka::OmkafkaConfig;
use super::omnats::OmnatsConfig;
use super::omprog::OmprogConfig;
use super::omrelp::OmrelpConfig;
use super::omusrmsg::OmusrmsgConfig;
use super::omuxsock::OmuxsockConfig;

/// An action's output, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputConfig {
    Omfile(OmfileConfig),
    Omfwd(OmfwdConfig),
    Omrelp(OmrelpConfig),
    Omusrmsg(OmusrmsgConfig),
    Omuxsock(OmuxsockConfig),
    Omprog(OmprogConfig),
    Omkafka(OmkafkaConfig),
    Omnats(OmnatsConfig),
}

impl OutputConfig {
    /// The module's name.
    pub fn module(&self) -> &'static str {
        match self {
            OutputConfig::Omfile(_) => "omfile",
            OutputConfig::Omfwd(_) => "omfwd",
            OutputConfig::Omrelp(_) => "omrelp",
            OutputConfig::Omusrmsg(_) => "omusrmsg",
            OutputConfig::Omuxsock(_) => "omuxsock",
            OutputConfig::Omprog(_) => "omprog",
            OutputConfig::Omkafka(_) => "omkafka",
            OutputConfig::Omnats(_) => "omnats",
        }
    }
}
