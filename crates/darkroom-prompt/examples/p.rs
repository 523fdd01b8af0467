//! Prints the scene a prompt becomes, as JSON: `cargo run --example p -- "a red cube"`.
fn main() {
    let prompt = std::env::args().nth(1).unwrap_or_default();
    match darkroom_prompt::parse(&prompt) {
        Ok(s) => println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default()),
        Err(e) => eprintln!("{e}"),
    }
}
