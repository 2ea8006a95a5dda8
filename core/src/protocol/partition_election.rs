//! How the active controller changes a partition: the new ISR, the Eligible Leader Replicas
//! (KIP-966) and the leader, as Kafka's `PartitionChangeBuilder` decides them. A pure rule: the
//! controller calls it on fencing, unfencing, an unclean restart, an AlterPartition and a
//! preferred-leader election, and writes what it returns as one PartitionChange record.

use crate::protocol::metadata::PartitionState;
use crate::protocol::types::NodeId;

/// Which leader the change looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Election {
    /// Keep the leader if it may still lead, else the first replica that may.
    Online,
    /// The first replica in assignment order if it may lead (an admin's or the rebalancer's).
    Preferred,
}

/// The settings that shape a change, from the cluster config and the topic's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeRules {
    /// min(min.insync.replicas, replication factor), as `getTopicEffectiveMinIsr`.
    pub min_isr: usize,
    /// `eligible_leader_replicas` (KIP-966).
    pub elr: bool,
    /// `unclean_leader_election` for this topic.
    pub unclean: bool,
}

/// A partition's new mutable state: written whole into the PartitionChange record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionChange {
    pub isr: Vec<NodeId>,
    pub elr: Vec<NodeId>,
    pub leader: Option<NodeId>,
    pub last_known_leader: Option<NodeId>,
    /// The leader was chosen outside the ISR and ELR: RECOVERING until it reports back.
    pub recovering: bool,
    /// This change made an unclean choice (an out-of-sync replica or the last known leader).
    pub unclean: bool,
}

/// What the partition becomes with `target_isr`, or None when nothing would change.
/// `may_lead` says whether a broker is alive enough to lead (unfenced, not the one leaving);
/// `unclean_restart` is a broker back from an unclean shutdown (a crash or a power loss), which
/// so leaves the ELR.
pub fn change(
    p: &PartitionState,
    target_isr: Vec<NodeId>,
    may_lead: impl Fn(NodeId) -> bool,
    unclean_restart: Option<NodeId>,
    election: Election,
    rules: ChangeRules,
) -> Option<PartitionChange> {
    let mut isr = target_isr;
    // The ELR: once the ISR is below min ISR, the members that leave it keep the right to lead
    // (the strict min-ISR rule froze the HW, so they hold every committed record).
    let mut elr = if !rules.elr || isr.len() >= rules.min_isr {
        Vec::new()
    } else {
        p.replicas
            .iter()
            .copied()
            .filter(|r| (p.elr.contains(r) || p.isr.contains(r)) && !isr.contains(r))
            .filter(|r| Some(*r) != unclean_restart)
            .collect()
    };
    let valid = |r: NodeId, isr: &[NodeId], elr: &[NodeId]| {
        (isr.contains(&r) || (isr.is_empty() && elr.contains(&r))) && may_lead(r)
    };
    let last_known = p
        .last_known_leader
        .filter(|l| rules.elr && isr.is_empty() && elr.is_empty() && may_lead(*l));
    let keep = p.leader.filter(|l| valid(*l, &isr, &elr));
    let first_valid = |skip| {
        p.replicas
            .iter()
            .copied()
            .skip(skip)
            .find(|r| valid(*r, &isr, &elr))
    };
    let (leader, unclean) = match election {
        Election::Preferred => match p.replicas.first().copied() {
            Some(r) if valid(r, &isr, &elr) => (Some(r), false),
            _ => match keep.or_else(|| first_valid(1)) {
                Some(l) => (Some(l), false),
                None => (last_known, last_known.is_some()),
            },
        },
        Election::Online => match keep.or_else(|| first_valid(0)) {
            Some(l) => (Some(l), false),
            None if last_known.is_some() => (last_known, true),
            None if rules.unclean => {
                let any = p.replicas.iter().copied().find(|r| may_lead(*r));
                (any, any.is_some())
            }
            None => (None, false),
        },
    };
    let mut recovering = p.recovering;
    if leader != p.leader {
        if let Some(l) = leader {
            if elr.contains(&l) {
                isr = vec![l];
                elr.retain(|r| *r != l);
            } else if unclean {
                isr = vec![l];
                recovering = true;
            }
        }
    }
    if unclean || !rules.elr {
        elr.clear();
    }
    // Without the ELR the last in-sync replica keeps its place (it alone has every record).
    if isr.is_empty() && !rules.elr && !unclean {
        isr = p.isr.clone();
    }
    // The last known leader: remembered the first time the partition has no ISR left (so
    // it can lead again once back), forgotten once a leader is chosen.
    let mut last_known_leader = p.last_known_leader;
    if rules.elr && isr.is_empty() && p.leader.is_some() && p.last_known_leader != p.leader {
        last_known_leader = p.leader;
    } else if leader.is_some() {
        last_known_leader = None;
    }
    let next = PartitionChange {
        isr,
        elr,
        leader,
        last_known_leader,
        recovering,
        unclean: unclean && leader != p.leader,
    };
    let same = next.isr == p.isr
        && next.elr == p.elr
        && next.leader == p.leader
        && next.last_known_leader == p.last_known_leader
        && next.recovering == p.recovering;
    (!same).then_some(next)
}

#[cfg(test)]
mod tests {
    //! The rules of docs/protocol.md, "Electing a partition leader", tested on the pure rule.
    use super::*;

    const CLEAN: ChangeRules = ChangeRules {
        min_isr: 1,
        elr: true,
        unclean: false,
    };

    fn partition(replicas: &[NodeId]) -> PartitionState {
        PartitionState::new(0, replicas.to_vec())
    }

    /// Applies a change the way the image does.
    fn apply(p: &mut PartitionState, c: &PartitionChange) {
        p.isr = c.isr.clone();
        p.elr = c.elr.clone();
        p.leader = c.leader;
        p.last_known_leader = c.last_known_leader;
        p.recovering = c.recovering;
    }

    fn without(list: &[NodeId], b: NodeId) -> Vec<NodeId> {
        list.iter().copied().filter(|x| *x != b).collect()
    }

    /// Fences `b` (it leaves the ISR and may not lead), with `up` the brokers still unfenced.
    fn fence(p: &mut PartitionState, b: NodeId, up: &[NodeId], rules: ChangeRules) {
        let isr = without(&p.isr, b);
        if let Some(c) = change(
            p,
            isr,
            |r| r != b && up.contains(&r),
            None,
            Election::Online,
            rules,
        ) {
            apply(p, &c);
        }
    }

    #[test]
    fn a_fenced_leader_hands_over_to_the_first_unfenced_isr_member_in_assignment_order() {
        let mut p = partition(&[101, 102, 103]);
        fence(&mut p, 101, &[103], CLEAN);
        assert_eq!(p.leader, Some(103), "102 is fenced too");
        assert_eq!(p.isr, vec![102, 103]);
        assert!(!p.recovering);
        let mut q = partition(&[101, 102, 103]);
        fence(&mut q, 102, &[101, 103], CLEAN);
        assert_eq!((q.leader, q.isr.clone()), (Some(101), vec![101, 103]));
    }

    #[test]
    fn without_elr_the_last_isr_member_keeps_its_place_and_nobody_leads() {
        let rules = ChangeRules {
            elr: false,
            ..CLEAN
        };
        let mut p = partition(&[101, 102]);
        p.isr = vec![101];
        fence(&mut p, 101, &[102], rules);
        assert_eq!(p.leader, None);
        assert_eq!(p.isr, vec![101], "it alone has every committed record");
        assert!(p.elr.is_empty());
    }

    #[test]
    fn members_leaving_an_isr_below_min_isr_become_eligible_and_one_leads_when_back() {
        let rules = ChangeRules {
            min_isr: 2,
            ..CLEAN
        };
        let mut p = partition(&[101, 102, 103]);
        fence(&mut p, 103, &[101, 102], rules);
        assert!(p.elr.is_empty(), "the ISR [101, 102] still meets min ISR");
        fence(&mut p, 102, &[101], rules);
        assert_eq!((p.isr.clone(), p.elr.clone()), (vec![101], vec![102]));
        fence(&mut p, 101, &[], rules);
        assert_eq!(p.leader, None);
        assert!(p.isr.is_empty());
        assert_eq!(p.elr, vec![101, 102]);
        assert_eq!(p.last_known_leader, Some(101));
        // 102 comes back: an ELR member may lead; it becomes the ISR.
        let c = change(
            &p,
            p.isr.clone(),
            |r| r == 102,
            None,
            Election::Online,
            rules,
        )
        .unwrap();
        assert_eq!(
            (c.leader, c.isr.clone(), c.elr.clone()),
            (Some(102), vec![102], vec![101])
        );
        assert!(
            !c.recovering && !c.unclean,
            "an ELR member has every committed record"
        );
        assert_eq!(c.last_known_leader, None);
    }

    #[test]
    fn a_broker_back_from_a_crash_leaves_the_elr_and_the_last_known_leader_leads_uncleanly() {
        let mut p = partition(&[101, 102]);
        p.isr = vec![101];
        fence(&mut p, 101, &[], CLEAN);
        assert_eq!((p.elr.clone(), p.last_known_leader), (vec![101], Some(101)));
        // 101 registers again after a crash (still fenced).
        let c = change(
            &p,
            Vec::new(),
            |_| false,
            Some(101),
            Election::Online,
            CLEAN,
        )
        .unwrap();
        apply(&mut p, &c);
        assert!(p.elr.is_empty());
        assert_eq!(p.leader, None);
        // 102 is unfenced: not eligible, so still nobody.
        assert_eq!(
            change(&p, Vec::new(), |r| r == 102, None, Election::Online, CLEAN),
            None
        );
        // 101 is unfenced: the last known leader leads again, RECOVERING.
        let c = change(&p, Vec::new(), |r| r == 101, None, Election::Online, CLEAN).unwrap();
        assert_eq!((c.leader, c.isr.clone()), (Some(101), vec![101]));
        assert!(c.recovering && c.unclean);
    }

    #[test]
    fn unclean_election_takes_any_unfenced_replica_only_when_the_topic_allows_it() {
        let mut p = partition(&[101, 102, 103]);
        p.isr = vec![101];
        let rules = ChangeRules {
            elr: false,
            ..CLEAN
        };
        let clean = change(&p, Vec::new(), |r| r != 101, None, Election::Online, rules).unwrap();
        assert_eq!(clean.leader, None);
        let unclean = ChangeRules {
            unclean: true,
            ..rules
        };
        let c = change(
            &p,
            Vec::new(),
            |r| r != 101,
            None,
            Election::Online,
            unclean,
        )
        .unwrap();
        assert_eq!((c.leader, c.isr.clone()), (Some(102), vec![102]));
        assert!(c.recovering && c.unclean);
        assert!(c.elr.is_empty());
    }

    #[test]
    fn a_preferred_election_moves_leadership_to_the_first_replica_only_if_it_is_in_the_isr() {
        let mut p = partition(&[101, 102]);
        p.leader = Some(102);
        let c = change(
            &p,
            p.isr.clone(),
            |_| true,
            None,
            Election::Preferred,
            CLEAN,
        )
        .unwrap();
        assert_eq!(c.leader, Some(101));
        p.isr = vec![102];
        assert_eq!(
            change(
                &p,
                p.isr.clone(),
                |_| true,
                None,
                Election::Preferred,
                CLEAN
            ),
            None,
            "101 is out of sync: the leader stays"
        );
        assert_eq!(
            change(&p, p.isr.clone(), |_| true, None, Election::Online, CLEAN),
            None,
            "an online election keeps a valid leader"
        );
    }
}
