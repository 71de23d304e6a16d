//! `flxpoint`: the Flxpoint REST API from the command line.

fn main() {
    println!("flxpoint: not yet");
}
