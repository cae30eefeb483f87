// SPDX-License-Identifier: GPL-2.0

//! ARC size limits, computed with the rules of OpenZFS.
//!
//! OpenZFS sizes its Adaptive Replacement Cache between `c_min` and `c_max`.
//! Both derive from the machine's memory unless the administrator sets the
//! `zfs_arc_min` / `zfs_arc_max` module parameters.  This file reproduces
//! `arc_set_limits()`, `arc_default_max()` (Linux) and the checks of
//! `arc_init()` / `arc_tuning_update()` from OpenZFS `arc.c`, with one
//! deliberate difference: OpenZFS silently ignores an invalid value, while
//! [`limits`] rejects it with an [`ArcError`] that names the parameter, the
//! value and the valid range.
//!
//! This file uses only `core`: it is built into the kernel module and into the
//! host test crate, which checks the rules without booting a kernel.

use core::fmt;

/// One mebibyte.
const MIB: u64 = 1 << 20;
/// One gibibyte.
const GIB: u64 = 1 << 30;

/// Smallest `c_min`: `2ULL << SPA_MAXBLOCKSHIFT` (32 MiB) in OpenZFS.
pub const ARC_MIN_FLOOR: u64 = 32 * MIB;
/// Smallest explicit `zfs_arc_max`: `MIN_ARC_MAX` (64 MiB) in OpenZFS.
pub const ARC_MAX_FLOOR: u64 = 64 * MIB;

/// The two ARC parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `zfs_arc_min`.
    Min,
    /// `zfs_arc_max`.
    Max,
}

impl Param {
    /// The parameter's name, as in `/sys/module/<module>/parameters/`.
    pub const fn name(self) -> &'static str {
        match self {
            Param::Min => "zfs_arc_min",
            Param::Max => "zfs_arc_max",
        }
    }
}

/// Effective ARC limits, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArcLimits {
    /// Total memory the limits were computed for (`arc_all_memory()`).
    pub allmem: u64,
    /// Effective minimum ARC size (`arc_c_min`).
    pub c_min: u64,
    /// Effective maximum ARC size (`arc_c_max`).
    pub c_max: u64,
}

/// A parameter value that the OpenZFS rules do not accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArcError {
    /// The offending parameter.
    pub param: Param,
    /// The value given.
    pub value: u64,
    /// Smallest valid non-zero value.
    pub lo: u64,
    /// Largest valid value.  Below `lo` when no non-zero value fits.
    pub hi: u64,
    /// The rule that was broken, for the log line.
    pub rule: &'static str,
}

impl fmt::Display for ArcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={} rejected: {}; ",
            self.param.name(),
            self.value,
            self.rule
        )?;
        if self.lo <= self.hi {
            write!(f, "valid range {}..={} bytes", self.lo, self.hi)?;
        } else {
            f.write_str("no non-zero value is valid on this machine")?;
        }
        f.write_str(", or 0 for automatic")
    }
}

/// `c_min` when a configured `max` is at or below the automatic `c_min`:
/// half of `max`, but not below the 32 MiB floor (OpenZFS
/// `arc_tuning_update()`).
const fn min_below_max(max: u64) -> u64 {
    if max / 2 > ARC_MIN_FLOOR {
        max / 2
    } else {
        ARC_MIN_FLOOR
    }
}

/// Default `c_min`: 1/32 of memory, at least 32 MiB (`arc_set_limits()`).
pub const fn default_min(allmem: u64) -> u64 {
    let m = allmem / 32;
    if m > ARC_MIN_FLOOR {
        m
    } else {
        ARC_MIN_FLOOR
    }
}

/// Default `c_max` on Linux (`arc_default_max()`): the larger of 5/8 of memory
/// and all memory but 1 GiB (or `c_min` on machines below 1 GiB).
pub const fn default_max(c_min: u64, allmem: u64) -> u64 {
    let size = if allmem >= GIB { allmem - GIB } else { c_min };
    // allmem / 8 * 5 + the remainder's share: exact for any u64, no overflow.
    let five_eighths = allmem / 8 * 5 + allmem % 8 * 5 / 8;
    if five_eighths > size {
        five_eighths
    } else {
        size
    }
}

/// Computes the effective limits for `allmem` bytes of memory and the
/// parameters `min` / `max` (0 means automatic).
///
/// The order of the checks is that of OpenZFS at module load: defaults, then
/// an explicit maximum (which may lower the default minimum when it sits
/// below it), then an explicit minimum, then the final check that the maximum
/// exceeds the minimum.
pub fn limits(allmem: u64, min: u64, max: u64) -> Result<ArcLimits, ArcError> {
    let mut c_min = default_min(allmem);
    let mut c_max = default_max(c_min, allmem);

    if max != 0 {
        // Valid range: 64 MiB up to, but excluding, all memory.
        if max < ARC_MAX_FLOOR || max >= allmem {
            return Err(ArcError {
                param: Param::Max,
                value: max,
                lo: ARC_MAX_FLOOR,
                hi: allmem.saturating_sub(1),
                rule: if max < ARC_MAX_FLOOR {
                    "below the 64 MiB floor"
                } else {
                    "not below total memory"
                },
            });
        }
        c_max = max;
        if c_min >= c_max {
            c_min = min_below_max(max);
        }
    }

    if min != 0 {
        // Valid range: 32 MiB up to the effective maximum.
        if min < ARC_MIN_FLOOR || min > c_max {
            return Err(ArcError {
                param: Param::Min,
                value: min,
                lo: ARC_MIN_FLOOR,
                hi: c_max,
                rule: if min < ARC_MIN_FLOOR {
                    "below the 32 MiB floor"
                } else {
                    "above the effective zfs_arc_max"
                },
            });
        }
        c_min = min;
    }

    if max != 0 && max <= c_min {
        return Err(ArcError {
            param: Param::Max,
            value: max,
            lo: c_min.saturating_add(1),
            hi: allmem.saturating_sub(1),
            rule: "not above zfs_arc_min",
        });
    }

    Ok(ArcLimits {
        allmem,
        c_min,
        c_max,
    })
}

/// Limits for the memory the machine has now, from parameters that were
/// validated at load for another memory size: see [`clamp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clamped {
    /// The effective limits for the current memory.
    pub limits: ArcLimits,
    /// `zfs_arc_min` is set but does not fit: the automatic minimum applies.
    pub min_ignored: bool,
    /// `zfs_arc_max` is set but does not fit: the automatic maximum applies.
    pub max_ignored: bool,
}

/// Computes the effective limits when total memory has changed since load
/// (balloon inflation or deflation, memory hotplug).
///
/// The parameters never change after load, but `allmem` does, so a value
/// that was valid at load may no longer be.  Unlike [`limits`], this never
/// fails: a parameter that the OpenZFS rules do not accept for `allmem` is
/// ignored, as OpenZFS's `arc_tuning_update()` ignores a tunable that does
/// not fit, and the automatic value for `allmem` applies until memory comes
/// back.  Whenever [`limits`] accepts `(allmem, min, max)`, the result is
/// the same as its, with nothing ignored.  Always `c_min <= c_max`.
pub fn clamp(allmem: u64, min: u64, max: u64) -> Clamped {
    let mut c_min = default_min(allmem);
    let mut c_max = default_max(c_min, allmem);

    let max_fits = max != 0 && max >= ARC_MAX_FLOOR && max < allmem;
    if max_fits {
        c_max = max;
        if c_min >= c_max {
            c_min = min_below_max(max);
        }
    }

    let min_fits = min != 0 && min >= ARC_MIN_FLOOR && min <= c_max;
    if min_fits {
        c_min = min;
    }

    if max_fits && max <= c_min {
        // Only reachable with min == max, which `limits` refuses at load:
        // drop the maximum, as at load, and keep the rest of the rules.
        let mut c = clamp(allmem, min, 0);
        c.max_ignored = true;
        return c;
    }

    Clamped {
        limits: ArcLimits {
            allmem,
            c_min,
            c_max,
        },
        min_ignored: min != 0 && !min_fits,
        max_ignored: max != 0 && !max_fits,
    }
}

/// Whether a line about a parameter's fit is due now (policy of `follow.rs`):
/// only when the last line logged said otherwise (`logged_ignored` differs
/// from `ignored`), and not within `interval_ns` of that line (`last_log_ns`,
/// `None` before the first).  So one line per change, at most one per
/// interval, and the log ends up saying the current state.
pub const fn log_due(
    logged_ignored: bool,
    ignored: bool,
    last_log_ns: Option<u64>,
    now_ns: u64,
    interval_ns: u64,
) -> bool {
    if logged_ignored == ignored {
        return false;
    }
    match last_log_ns {
        None => true,
        Some(last) => now_ns.saturating_sub(last) >= interval_ns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_small_machine() {
        // Below 1 GiB: c_max is 5/8 of memory, c_min the 32 MiB floor.
        let l = limits(512 * MIB, 0, 0).unwrap();
        assert_eq!(l.c_min, 32 * MIB);
        assert_eq!(l.c_max, 320 * MIB);
    }

    #[test]
    fn defaults_large_machines() {
        let l = limits(2 * GIB, 0, 0).unwrap();
        assert_eq!((l.c_min, l.c_max), (64 * MIB, 1280 * MIB));
        // From 8/3 GiB on, "all but 1 GiB" wins over 5/8.
        let l = limits(64 * GIB, 0, 0).unwrap();
        assert_eq!((l.c_min, l.c_max), (2 * GIB, 63 * GIB));
        let l = limits(16 * GIB, 0, 0).unwrap();
        assert_eq!((l.c_min, l.c_max), (512 * MIB, 15 * GIB));
    }

    #[test]
    fn default_max_never_overflows() {
        assert_eq!(default_max(0, u64::MAX), u64::MAX - GIB);
        assert_eq!(default_max(ARC_MIN_FLOOR, 0), ARC_MIN_FLOOR);
    }

    #[test]
    fn explicit_max_lowers_min() {
        // 2 GiB: default c_min 64 MiB; max 64 MiB is not above it, so c_min
        // drops to max(64 MiB / 2, 32 MiB).
        let l = limits(2 * GIB, 0, 64 * MIB).unwrap();
        assert_eq!((l.c_min, l.c_max), (32 * MIB, 64 * MIB));
        let l = limits(16 * GIB, 0, 256 * MIB).unwrap();
        assert_eq!((l.c_min, l.c_max), (128 * MIB, 256 * MIB));
    }

    #[test]
    fn explicit_values() {
        let l = limits(2 * GIB, 100 * MIB, GIB).unwrap();
        assert_eq!((l.c_min, l.c_max), (100 * MIB, GIB));
        // min may equal the default c_max.
        let l = limits(512 * MIB, 320 * MIB, 0).unwrap();
        assert_eq!((l.c_min, l.c_max), (320 * MIB, 320 * MIB));
    }

    #[test]
    fn rejects() {
        let e = limits(2 * GIB, 32 * MIB - 1, 0).unwrap_err();
        assert_eq!((e.param, e.lo, e.hi), (Param::Min, 32 * MIB, 1280 * MIB));
        let e = limits(2 * GIB, 0, 64 * MIB - 1).unwrap_err();
        assert_eq!((e.param, e.lo, e.hi), (Param::Max, 64 * MIB, 2 * GIB - 1));
        let e = limits(2 * GIB, 0, 2 * GIB).unwrap_err();
        assert_eq!(e.param, Param::Max);
        assert!(limits(2 * GIB, 0, 2 * GIB - 1).is_ok());
        // min > max
        let e = limits(2 * GIB, 256 * MIB, 128 * MIB).unwrap_err();
        assert_eq!((e.param, e.hi), (Param::Min, 128 * MIB));
        // min == max: max must exceed min.
        let e = limits(2 * GIB, 128 * MIB, 128 * MIB).unwrap_err();
        assert_eq!((e.param, e.lo), (Param::Max, 128 * MIB + 1));
        // No room at all for a max on a 64 MiB machine.
        let e = limits(64 * MIB, 0, 64 * MIB).unwrap_err();
        assert!(e.lo > e.hi);
    }

    #[test]
    fn message_names_parameter_value_and_range() {
        extern crate std;
        use std::string::ToString;
        let e = limits(2 * GIB, 0, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "zfs_arc_max=1 rejected: below the 64 MiB floor; \
             valid range 67108864..=2147483647 bytes, or 0 for automatic"
        );
    }

    #[test]
    fn clamp_equals_limits_when_valid() {
        // Every (allmem, min, max) that `limits` accepts clamps to the same
        // limits with nothing ignored; every result has c_min <= c_max.
        let mems = [
            40 * MIB,
            100 * MIB,
            480 * MIB,
            512 * MIB,
            GIB - 1,
            GIB,
            2 * GIB - 4096,
            2 * GIB,
            3 * GIB,
            16 * GIB,
            64 * GIB,
        ];
        let vals = [
            0,
            1,
            32 * MIB - 1,
            32 * MIB,
            48 * MIB,
            64 * MIB,
            128 * MIB,
            300 * MIB,
            GIB,
            2 * GIB - 64 * MIB,
            2 * GIB,
            60 * GIB,
            u64::MAX,
        ];
        let mut valid = 0;
        for &m in &mems {
            for &min in &vals {
                for &max in &vals {
                    let c = clamp(m, min, max);
                    assert!(c.limits.c_min <= c.limits.c_max, "{m} {min} {max}");
                    assert_eq!(c.limits.allmem, m);
                    if let Ok(l) = limits(m, min, max) {
                        valid += 1;
                        assert_eq!(c.limits, l, "{m} {min} {max}");
                        assert!(!c.min_ignored && !c.max_ignored, "{m} {min} {max}");
                    }
                }
            }
        }
        // The grid does exercise the valid case.
        assert!(valid > 100, "{valid}");
    }

    #[test]
    fn clamp_max_follows_ram_down_and_up() {
        // The balloon test's case: 2 GiB guest, zfs_arc_max just below RAM.
        let max = 2 * GIB - 64 * MIB;
        let at_load = limits(2 * GIB - 40 * MIB, 0, max).unwrap();
        assert_eq!(at_load.c_max, max);
        // Ballooned down to 512 MiB: max no longer fits, automatic 5/8.
        let c = clamp(512 * MIB, 0, max);
        assert!(c.max_ignored && !c.min_ignored);
        assert_eq!((c.limits.c_min, c.limits.c_max), (32 * MIB, 320 * MIB));
        // At exactly max bytes of RAM it still does not fit (max < RAM).
        assert!(clamp(max, 0, max).max_ignored);
        assert!(!clamp(max + 1, 0, max).max_ignored);
        // Back to the load-time RAM: the load-time limits again.
        let back = clamp(2 * GIB - 40 * MIB, 0, max);
        assert_eq!(back.limits, at_load);
        assert!(!back.max_ignored);
    }

    #[test]
    fn clamp_min_that_no_longer_fits() {
        // min 1 GiB with automatic max on 3 GiB (c_max 2 GiB) is valid; on
        // 1 GiB of RAM the automatic c_max is 640 MiB, below min.
        assert!(limits(3 * GIB, GIB, 0).is_ok());
        let c = clamp(GIB, GIB, 0);
        assert!(c.min_ignored && !c.max_ignored);
        assert_eq!((c.limits.c_min, c.limits.c_max), (32 * MIB, 640 * MIB));
    }

    #[test]
    fn clamp_min_equal_max_drops_max() {
        // Refused at load; clamp must still give a usable answer.
        let c = clamp(2 * GIB, 128 * MIB, 128 * MIB);
        assert!(c.max_ignored && !c.min_ignored);
        assert_eq!((c.limits.c_min, c.limits.c_max), (128 * MIB, 1280 * MIB));
    }

    #[test]
    fn clamp_tiny_and_huge_memory() {
        let c = clamp(0, 0, 0);
        assert_eq!((c.limits.c_min, c.limits.c_max), (32 * MIB, 32 * MIB));
        let c = clamp(u64::MAX, u64::MAX, u64::MAX);
        assert!(c.max_ignored);
        assert!(c.limits.c_min <= c.limits.c_max);
    }

    #[test]
    fn log_due_once_per_change_rate_limited() {
        const S: u64 = 1_000_000_000;
        // Nothing to say: the log already gives the state.
        assert!(!log_due(false, false, None, 0, 60 * S));
        assert!(!log_due(true, true, Some(0), 1000 * S, 60 * S));
        // First change: logged at once.
        assert!(log_due(false, true, None, 5 * S, 60 * S));
        // A change back 10 s later waits for the interval...
        assert!(!log_due(true, false, Some(5 * S), 15 * S, 60 * S));
        assert!(!log_due(true, false, Some(5 * S), 65 * S - 1, 60 * S));
        // ...and is logged once it has passed.
        assert!(log_due(true, false, Some(5 * S), 65 * S, 60 * S));
        // A clock that went backwards never logs early.
        assert!(!log_due(true, false, Some(5 * S), 0, 60 * S));
    }
}
