fn main() {
    std::process::exit(supervisor_quick::run());
}
