pub fn run(_quick: bool) {}
