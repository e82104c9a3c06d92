//! Instants in UTC, read and written as RFC 3339 (`2025-03-01T12:00:00Z`).

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Error, Result};

/// An instant in UTC, whole seconds since 1970-01-01T00:00:00Z.
///
/// Parsed from RFC 3339 (`2025-03-01T12:00:00Z`, `2025-03-01T13:00:00+01:00`,
/// fractions of a second are accepted and dropped) and displayed as
/// `YYYY-MM-DDTHH:MM:SSZ`. Years 0000 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range RFC 3339 can write.
const MIN_SECONDS: i64 = -62_167_219_200;
const MAX_SECONDS: i64 = 253_402_300_799;

impl Timestamp {
    /// The instant `seconds` after the Unix epoch (negative: before), or
    /// `None` outside years 0000 to 9999.
    pub fn from_unix_seconds(seconds: i64) -> Option<Timestamp> {
        (MIN_SECONDS..=MAX_SECONDS)
            .contains(&seconds)
            .then_some(Timestamp(seconds))
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    /// The current time of the system clock (the epoch if the clock is
    /// before it).
    pub fn now() -> Timestamp {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(MAX_SECONDS))
            .unwrap_or(0);
        Timestamp(seconds.min(MAX_SECONDS))
    }

    /// Reads an RFC 3339 date-time (`T` or `t` between date and time, `Z`,
    /// `z` or a `+HH:MM`/`-HH:MM` offset; a leap second `:60` counts as `:59`).
    pub fn parse(text: &str) -> Result<Timestamp> {
        let invalid = |reason: &'static str| Error::InvalidTimestamp {
            text: text.to_owned(),
            reason,
        };
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Result<i64> {
            let part = b.get(range).ok_or_else(|| invalid("too short"))?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(invalid("expected digits"));
            }
            Ok(part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
        };
        let expect = |at: usize, allowed: &[u8], reason: &'static str| -> Result<()> {
            match b.get(at) {
                Some(c) if allowed.contains(c) => Ok(()),
                _ => Err(invalid(reason)),
            }
        };
        let year = digits(0..4)?;
        expect(4, b"-", "expected '-' after the year")?;
        let month = digits(5..7)?;
        expect(7, b"-", "expected '-' after the month")?;
        let day = digits(8..10)?;
        expect(10, b"Tt", "expected 'T' between date and time")?;
        let hour = digits(11..13)?;
        expect(13, b":", "expected ':' after the hour")?;
        let minute = digits(14..16)?;
        expect(16, b":", "expected ':' after the minute")?;
        let second = digits(17..19)?;
        let mut at = 19;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            if at == start {
                return Err(invalid("expected digits after '.'"));
            }
        }
        let offset = match b.get(at) {
            Some(b'Z' | b'z') => {
                at += 1;
                0
            }
            Some(sign @ (b'+' | b'-')) => {
                let sign = if *sign == b'+' { 1 } else { -1 };
                let hours = digits(at + 1..at + 3)?;
                expect(at + 3, b":", "expected ':' in the offset")?;
                let minutes = digits(at + 4..at + 6)?;
                if hours > 23 || minutes > 59 {
                    return Err(invalid("offset out of range"));
                }
                at += 6;
                sign * (hours * 3600 + minutes * 60)
            }
            _ => return Err(invalid("expected 'Z' or an offset such as +01:00")),
        };
        if at != b.len() {
            return Err(invalid("unexpected text after the time"));
        }
        if !(1..=12).contains(&month) {
            return Err(invalid("month out of range"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(invalid("day out of range"));
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(invalid("time out of range"));
        }
        let seconds =
            days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second.min(59)
                - offset;
        Timestamp::from_unix_seconds(seconds).ok_or_else(|| invalid("outside years 0000 to 9999"))
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Days since 1970-01-01 in the proleptic Gregorian calendar; counts whole
// 400-year eras (146,097 days) from a year starting in March so that the
// leap day falls at the end.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let second_of_day = self.0.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )
    }
}

impl FromStr for Timestamp {
    type Err = Error;

    fn from_str(text: &str) -> Result<Timestamp> {
        Timestamp::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        let t = |s: &str| Timestamp::parse(s).unwrap().unix_seconds();
        assert_eq!(t("1970-01-01T00:00:00Z"), 0);
        assert_eq!(t("2000-03-01T00:00:00Z"), 951_868_800);
        assert_eq!(t("2024-02-29T23:59:59Z"), 1_709_251_199);
        assert_eq!(t("2024-03-01T01:00:00+01:00"), 1_709_251_200);
        assert_eq!(t("2024-02-29t19:00:00.123-05:00"), 1_709_251_200);
        assert_eq!(t("1969-12-31T23:59:59Z"), -1);
        assert_eq!(t("0000-01-01T00:00:00Z"), MIN_SECONDS);
        assert_eq!(t("9999-12-31T23:59:59Z"), MAX_SECONDS);
        assert_eq!(t("2016-12-31T23:59:60Z"), t("2016-12-31T23:59:59Z"));
    }

    #[test]
    fn display_matches_date_command() {
        // Values from `date -u -d @N +%Y-%m-%dT%H:%M:%SZ`.
        let d = |n: i64| Timestamp::from_unix_seconds(n).unwrap().to_string();
        assert_eq!(d(0), "1970-01-01T00:00:00Z");
        assert_eq!(d(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(d(-1), "1969-12-31T23:59:59Z");
        assert_eq!(d(4_102_444_800), "2100-01-01T00:00:00Z");
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00Z ",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+1:00",
            "0000-01-01T00:00:00+00:01",
            "+2024-01-01T00:00:00Z",
            "２０２４-01-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn display_parses_back(n in MIN_SECONDS..=MAX_SECONDS) {
            let t = Timestamp::from_unix_seconds(n).unwrap();
            proptest::prop_assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
        }
    }
}
