use kraft_core::sim::chaos::{run_seed, ChaosOptions};
fn main() {
    let o = ChaosOptions {
        controllers: Some(5),
        brokers: Some(6),
        steps: 2000,
        ..Default::default()
    };
    let sim = run_seed(196, &o).unwrap();
    for v in sim.violations() {
        println!("VIOLATION {} {}", v.time_ms, v.detail);
    }
    println!("slow {:?} now {}", sim.slow_nodes(), sim.now());
    for n in sim.nodes() {
        if let Some(r) = n.node.partition_replicas().get(&(1, 0)) {
            println!("node {} alive {} leo {} hw {} leader {:?} le {} isr {:?} pe {} pending {:?} followers {:?}", n.node.id, n.alive, r.leo(), r.hw, r.leader, r.leader_epoch, r.isr, r.partition_epoch, r.pending_isr.as_ref().map(|p| (&p.request.isr, p.resend_at)), r.followers);
        }
    }
    let evs: Vec<_> = sim.trace().events().collect();
    let n = evs.len();
    for e in &evs[n.saturating_sub(200000)..] {
        let s = serde_json::to_string(e).unwrap();
        if s.contains("PartitionFetch")
            && s.contains("\"topic_id\":1,\"partition\":0")
            && (s.contains("\"from\":103") || s.contains("\"to\":103"))
            && e.time > 1_390_000
            && e.time < 1_392_000
        {
            println!("{}", &s[..s.len().min(400)]);
        }
    }
}
