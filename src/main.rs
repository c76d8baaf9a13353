fn main() {
    let status = gasguard::cli::main(std::env::args_os());
    std::process::exit(status.code());
}
