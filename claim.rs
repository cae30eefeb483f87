// SPDX-License-Identifier: GPL-2.0

//! One-of-a-kind registrations: a [`Claim`] on a static flag.
//!
//! The module registers static C objects (the misc device, the delayed work
//! of the RAM watch) and names that must be unique (its proc and debugfs
//! directories).  Registering one twice would corrupt the kernel's lists,
//! so each owning type in `glue.rs` takes the claim on its flag before it
//! calls C, and a second registration while the first lives fails.
//!
//! This file uses only `core`: it is built into the kernel module and into
//! a host test (`make test`, "host: registration claims").

use core::sync::atomic::{AtomicBool, Ordering};

/// The right to register one singleton.
///
/// # Invariants
///
/// While a `Claim` on a flag exists, the flag is `true` and no other `Claim`
/// on it exists.
pub(crate) struct Claim(&'static AtomicBool);

impl Claim {
    /// Takes the claim on `flag`; `None` while another `Claim` on it exists.
    pub(crate) fn take(flag: &'static AtomicBool) -> Option<Self> {
        flag.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        // INVARIANT: the exchange above set the flag; only `drop` clears it.
        Some(Claim(flag))
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::Claim;
    use core::sync::atomic::AtomicBool;

    #[test]
    fn second_claim_refused_until_first_dropped() {
        static FLAG: AtomicBool = AtomicBool::new(false);
        let first = Claim::take(&FLAG);
        assert!(first.is_some());
        assert!(Claim::take(&FLAG).is_none());
        drop(first);
        assert!(Claim::take(&FLAG).is_some());
    }

    #[test]
    fn flags_are_independent() {
        static A: AtomicBool = AtomicBool::new(false);
        static B: AtomicBool = AtomicBool::new(false);
        let _a = Claim::take(&A);
        assert!(Claim::take(&B).is_some());
    }

    #[test]
    fn racing_claims_one_wins() {
        static FLAG: AtomicBool = AtomicBool::new(false);
        for _ in 0..200 {
            let won: usize = std::thread::scope(|s| {
                let hs: Vec<_> = (0..4)
                    .map(|_| s.spawn(|| Claim::take(&FLAG).map(std::mem::forget).is_some()))
                    .collect();
                hs.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
            });
            assert_eq!(won, 1);
            FLAG.store(false, core::sync::atomic::Ordering::Relaxed);
        }
    }
}
