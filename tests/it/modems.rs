//! Several modems, Huawei's `^BOOT` heartbeat, SIM credit by USSD and the cost of messages:
//! the real server with its real drivers, each modem a simulator on its own pseudo-terminal.

use std::time::Duration;

use crate::modem::{TEST_TEXT, send_test, server_with_modem, wait_modem_state};
use pawnbranch::testing::{SimConfig, Simulator};

/// How many times the server set the modem up: each set-up begins with `ATE0`.
fn set_ups(sim: &Simulator) -> usize {
    sim.commands()
        .iter()
        .filter(|(_, line)| line.eq_ignore_ascii_case("ATE0"))
        .count()
}

#[test]
fn huawei_boot_heartbeats_are_not_taken_for_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            boot_heartbeat: Some(Duration::from_millis(100)),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));
    assert_eq!(set_ups(&sim), 1);
    // The first send reads the heartbeats printed since the set-up; the sender looks at them
    // before it takes the second message.
    send_test(&server, "081234567890");
    assert_eq!(sim.wait_for(1, Duration::from_secs(20)).len(), 1);
    std::thread::sleep(Duration::from_millis(300)); // more heartbeats, read by the next send
    send_test(&server, "081234567891");
    send_test(&server, "081234567892");
    let got = sim.wait_for(3, Duration::from_secs(20));
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|m| m.text == TEST_TEXT));
    assert_eq!(
        set_ups(&sim),
        1,
        "a ^BOOT heartbeat made the sender set the modem up again: {:?}",
        sim.commands()
    );
}

#[test]
fn a_huawei_restart_that_says_only_boot_is_still_set_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            boot_heartbeat: Some(Duration::from_millis(100)),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));
    send_test(&server, "081234567890");
    assert_eq!(sim.wait_for(1, Duration::from_secs(20)).len(), 1);
    // Settings lost (echo on, CMEE 0, PDU default): the next send reads the ^BOOT, the
    // sender finds the settings gone and sets the modem up before the message after it.
    sim.restart();
    send_test(&server, "081234567891");
    send_test(&server, "081234567892");
    assert_eq!(sim.wait_for(3, Duration::from_secs(30)).len(), 3);
    assert_eq!(set_ups(&sim), 2, "{:?}", sim.commands());
}
