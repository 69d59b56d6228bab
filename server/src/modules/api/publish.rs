//! Pub/Sub from modules: `PublishMessage`, `PublishMessageShard` (module.c's "Module
//! Pub/Sub API"). Both return the number of clients that received the message.

use super::ctx_of;
use super::strings::RmString;
use crate::modules::registry::Reg;
use std::os::raw::{c_int, c_void};

fn publish(ctx: *mut c_void, channel: *mut c_void, message: *mut c_void, shard: bool) -> c_int {
    // SAFETY: the module's context and strings.
    let (Some(c), Some(ch), Some(msg)) = (
        unsafe { ctx_of(ctx) },
        unsafe { RmString::bytes_of(channel) },
        unsafe { RmString::bytes_of(message) },
    ) else {
        return 0;
    };
    let Some(srv) = c.server() else {
        return 0;
    };
    let n = if shard {
        crate::pubsub::publish_shard(srv, ch, msg)
    } else {
        crate::pubsub::publish(srv, ch, msg)
    };
    n as c_int
}

unsafe extern "C" fn publish_message(
    ctx: *mut c_void,
    channel: *mut c_void,
    message: *mut c_void,
) -> c_int {
    publish(ctx, channel, message, false)
}

unsafe extern "C" fn publish_message_shard(
    ctx: *mut c_void,
    channel: *mut c_void,
    message: *mut c_void,
) -> c_int {
    publish(ctx, channel, message, true)
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("PublishMessage", publish_message as *const () as usize);
    r.add(
        "PublishMessageShard",
        publish_message_shard as *const () as usize,
    );
}
