//! Prints the parse of each argument (a development aid).
fn main() {
    for a in std::env::args().skip(1) {
        match darkroom_prompt::parse(&a) {
            Ok(s) => println!("> {a}\n{}", darkroom_prompt::to_text(&s)),
            Err(e) => println!("> {a}\nerror: {e}"),
        }
    }
}
