//! Summary statistics over gas samples. Integer arithmetic only, so a report never depends on
//! floating-point rounding.

use serde::{Deserialize, Serialize};

/// Statistics of one function's gas over all its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    pub calls: u64,
    pub min: u64,
    /// Arithmetic mean, rounded half up.
    pub mean: u64,
    /// Median; for an even count the mean of the two middle values, rounded half up.
    pub median: u64,
    pub max: u64,
    /// Under Somnia's schedule, the same statistics of the calls' upper bounds
    /// (`gas_used_upper`), when they differ from these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<Bound>,
}

/// Statistics of the upper bounds of one function's calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    pub min: u64,
    pub mean: u64,
    pub median: u64,
    pub max: u64,
}

impl Stats {
    /// Statistics of `samples` (lower bounds), with those of `upper` (the same calls' upper
    /// bounds) when they differ.
    pub fn from_bounds(samples: &[u64], upper: &[u64]) -> Option<Self> {
        let mut stats = Self::from_samples(samples)?;
        if upper.len() == samples.len() && upper != samples {
            stats.upper = Self::from_samples(upper).map(|upper| Bound {
                min: upper.min,
                mean: upper.mean,
                median: upper.median,
                max: upper.max,
            });
        }
        Some(stats)
    }

    /// These statistics with the upper bound in place of the lower one, where there is one.
    pub fn upper_bound(&self) -> Self {
        match self.upper {
            Some(upper) => Self {
                calls: self.calls,
                min: upper.min,
                mean: upper.mean,
                median: upper.median,
                max: upper.max,
                upper: None,
            },
            None => *self,
        }
    }

    /// `None` for no samples.
    pub fn from_samples(samples: &[u64]) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let count = sorted.len();
        let sum: u128 = sorted.iter().map(|&gas| u128::from(gas)).sum();
        let mean = rounded_div(sum, count as u128);
        let median = if count % 2 == 1 {
            sorted[count / 2]
        } else {
            rounded_div(u128::from(sorted[count / 2 - 1]) + u128::from(sorted[count / 2]), 2)
        };
        Some(Self { calls: count as u64, min: sorted[0], mean, median, max: sorted[count - 1], upper: None })
    }
}

/// `numerator / denominator` rounded half up. The result of averaging u64 values fits in u64.
fn rounded_div(numerator: u128, denominator: u128) -> u64 {
    ((numerator + denominator / 2) / denominator) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_has_no_stats() {
        assert_eq!(Stats::from_samples(&[]), None);
    }

    #[test]
    fn odd_and_even_counts() {
        let odd = Stats::from_samples(&[30, 10, 20]).unwrap();
        assert_eq!(odd, Stats { calls: 3, min: 10, mean: 20, median: 20, max: 30, upper: None });
        let even = Stats::from_samples(&[1, 2, 4, 10]).unwrap();
        // mean 17/4 = 4.25 -> 4; median (2 + 4) / 2 = 3
        assert_eq!(even, Stats { calls: 4, min: 1, mean: 4, median: 3, max: 10, upper: None });
        let half = Stats::from_samples(&[1, 2]).unwrap();
        // 1.5 rounds half up to 2
        assert_eq!((half.mean, half.median), (2, 2));
    }

    #[test]
    fn upper_bounds_are_kept_only_where_they_differ() {
        assert_eq!(Stats::from_bounds(&[10, 20], &[10, 20]).unwrap().upper, None);
        let stats = Stats::from_bounds(&[10, 20], &[1_000_010, 20]).unwrap();
        assert_eq!(stats.upper, Some(Bound { min: 20, mean: 500_015, median: 500_015, max: 1_000_010 }));
        assert_eq!(
            stats.upper_bound(),
            Stats { calls: 2, min: 20, mean: 500_015, median: 500_015, max: 1_000_010, upper: None }
        );
    }

    #[test]
    fn large_values_do_not_overflow() {
        let stats = Stats::from_samples(&[u64::MAX, u64::MAX]).unwrap();
        assert_eq!(stats.mean, u64::MAX);
        assert_eq!(stats.median, u64::MAX);
    }
}
