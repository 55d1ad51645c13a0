//! The modem simulator and the PDU codec it decodes with, compiled from the server's own
//! sources (at the same module path, `crate::sms`), so the tests drive a pseudo-terminal
//! exactly as the benchmark does.

#![allow(dead_code)]

#[path = "../../../src/sms/pdu.rs"]
pub(crate) mod pdu;
#[path = "../../../src/sms/simulator.rs"]
pub(crate) mod simulator;
