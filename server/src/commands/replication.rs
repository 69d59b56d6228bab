//! `WAIT` and `WAITAOF`. Coil has no replicas yet, so no replica ever acknowledges: the
//! commands answer at once when nothing is asked of replicas, otherwise they block until
//! their timeout and report zero acknowledgements, as Redis does with no replicas.

use crate::args;
use crate::client::flags as cf;
use crate::command_table::Registry;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::resp::ReplyBuf;
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("wait", wait);
    r.add("waitaof", waitaof);
}

/// A millisecond timeout argument as an absolute deadline (0: forever), with Redis's
/// `getTimeoutFromObjectOrReply` errors.
fn ms_deadline(a: &[u8], now: i64) -> Result<i64, CmdError> {
    let ms = crate::util::parse_i64(a)
        .ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CmdError::TIMEOUT_NEGATIVE);
    }
    Ok(if ms == 0 { 0 } else { now.saturating_add(ms) })
}

/// Answers now, or blocks until `deadline` and then sends `reply`.
fn answer_or_block(ctx: &mut Ctx, satisfied: bool, deadline: i64, reply: ReplyBuf) {
    if satisfied || ctx.client.has(cf::DENY_BLOCKING) {
        ctx.out().raw(&reply.buf);
    } else {
        crate::blocking::block_until(ctx.srv, ctx.client, deadline, reply.buf);
    }
}

/// ```text
/// WAIT numreplicas timeout
/// ```
fn wait(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let numreplicas = args::int(&argv[1])?;
    let deadline = ms_deadline(&argv[2], ctx.srv.cmd_time_ms)?;
    let mut reply = ReplyBuf::new(ctx.client.resp());
    reply.int(0);
    answer_or_block(ctx, numreplicas <= 0, deadline, reply);
    Ok(())
}

/// ```text
/// WAITAOF numlocal numreplicas timeout
/// ```
fn waitaof(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let numlocal = args::int(&argv[1])?;
    if !(0..=1).contains(&numlocal) {
        return Err(CmdError::err(
            "value is out of range, must be between 0 and 1",
        ));
    }
    let numreplicas = args::int(&argv[2])?;
    if numreplicas < 0 {
        return Err(CmdError::err("value is out of range, must be positive"));
    }
    let deadline = ms_deadline(&argv[3], ctx.srv.cmd_time_ms)?;
    if numlocal > 0 && !ctx.srv.config.appendonly {
        return Err(CmdError::err(
            "WAITAOF cannot be used when numlocal is set but appendonly is disabled.",
        ));
    }
    let mut reply = ReplyBuf::new(ctx.client.resp());
    reply.array_len(2);
    reply.int(0);
    reply.int(0);
    answer_or_block(ctx, numreplicas == 0 && numlocal == 0, deadline, reply);
    Ok(())
}
