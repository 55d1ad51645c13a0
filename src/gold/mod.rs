//! Gold: the branch's reference price per gram and the appraisal of a gold item from it
//! (issue 13, point 7). A domain of its own rather than part of `loans`: the price is a branch
//! setting with its own history (head office will later set it for every branch), and the
//! ticket only asks it what an item is worth. `prices` keeps the append-only history,
//! `appraisal` holds the arithmetic and the rule that an appraisal other than the computed
//! one needs a reason.

pub(crate) mod appraisal;
pub(crate) mod prices;
