//! The receive clock: local time with the offset found at start.
//!
//! The local UTC offset is read once, before any executor starts (the
//! `time` crate cannot read it safely once threads run); a change of the
//! machine's time zone takes a restart, as with rsyslog.

use time::{OffsetDateTime, UtcOffset};

use crate::Timestamp;

/// rsyslog's `timegenerated` precision: microseconds.
const SECFRAC_DIGITS: u8 = 6;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    offset: UtcOffset,
}

impl Clock {
    pub fn local() -> Clock {
        Clock {
            offset: UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC),
        }
    }

    /// The local time of `unix_nanos` (nanoseconds since 1970 UTC), at
    /// `timegenerated`'s precision; `None` past what a date can hold.
    pub fn at(&self, unix_nanos: i128) -> Option<Timestamp> {
        let t = OffsetDateTime::from_unix_timestamp_nanos(unix_nanos).ok()?;
        Some(Timestamp::from_offset_datetime(
            t.to_offset(self.offset),
            SECFRAC_DIGITS,
        ))
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::from_offset_datetime(
            OffsetDateTime::now_utc().to_offset(self.offset),
            SECFRAC_DIGITS,
        )
    }
}
