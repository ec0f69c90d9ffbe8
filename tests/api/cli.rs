//! The binary's own checks of its configuration.

use std::process::Command;

fn serve_with(vars: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_suborg-portal"));
    cmd.arg("serve").current_dir(dir.path()).env_clear();
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const AUDIT: (&str, &str) = ("PORTAL_AUDIT_KEY", "0123456789abcdef0123456789abcdef");
const API: (&str, &str) = ("POSTGRID_API_KEY", "test_sk_x");

#[test]
fn serve_without_required_variables_names_them() {
    let (ok, err) = serve_with(&[AUDIT]);
    assert!(!ok);
    assert!(err.contains("POSTGRID_API_KEY"), "{err}");

    let (ok, err) = serve_with(&[API]);
    assert!(!ok);
    assert!(err.contains("PORTAL_AUDIT_KEY"), "{err}");
}

#[test]
fn serve_with_malformed_values_names_them() {
    for (name, value) in [
        ("PORTAL_ADDR", "nowhere"),
        ("POSTGRID_BASE_URL", "not a url"),
        ("PORTAL_AUDIT_KEY", "short"),
    ] {
        let mut vars = vec![AUDIT, API];
        vars.retain(|(k, _)| *k != name);
        vars.push((name, value));
        let (ok, err) = serve_with(&vars);
        assert!(!ok, "{name}={value} was accepted");
        assert!(err.contains(name), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["demo", "serve", "migrate"] {
        let out = Command::new(env!("CARGO_BIN_EXE_suborg-portal"))
            .args([sub, "--help"])
            .output()
            .expect("binary runs");
        assert!(out.status.success(), "{sub} --help");
        assert!(!out.stdout.is_empty());
    }
}
