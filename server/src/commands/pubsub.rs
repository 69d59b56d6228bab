//! Pub/Sub commands: `SUBSCRIBE` `UNSUBSCRIBE` `PSUBSCRIBE` `PUNSUBSCRIBE` `PUBLISH`
//! `SSUBSCRIBE` `SUNSUBSCRIBE` `SPUBLISH` and the `PUBSUB` introspection subcommands.
//! Subscription state and delivery live in `crate::pubsub`.

use crate::client::flags as cf;
use crate::command_table::Registry;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::pubsub::{self, Kind};
use crate::resp::Aggregate;
use bytes::Bytes;
use std::collections::HashMap;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("subscribe", subscribe);
    r.add("unsubscribe", unsubscribe);
    r.add("psubscribe", psubscribe);
    r.add("punsubscribe", punsubscribe);
    r.add("ssubscribe", ssubscribe);
    r.add("sunsubscribe", sunsubscribe);
    r.add("publish", publish);
    r.add("spublish", spublish);
    r.add("pubsub|channels", pubsub_channels);
    r.add("pubsub|shardchannels", pubsub_shardchannels);
    r.add("pubsub|numsub", pubsub_numsub);
    r.add("pubsub|shardnumsub", pubsub_shardnumsub);
    r.add("pubsub|numpat", pubsub_numpat);
    r.add("pubsub|help", pubsub_help);
}

/// True for a client that expects exactly one reply per command and so cannot enter
/// Pub/Sub mode: scripts and module calls. A transaction may subscribe (Redis keeps
/// that for backward compatibility), except for shard channels.
fn denies_subscribe(ctx: &Ctx, shard: bool) -> bool {
    let c = &ctx.client;
    if !c.has(cf::DENY_BLOCKING) {
        return false;
    }
    // EXEC runs its commands on the real, connected client with blocking denied.
    let in_exec = c.conn.is_some() || c.has(cf::MULTI);
    shard || !in_exec
}

fn subscribe_generic(ctx: &mut Ctx, argv: &[Bytes], kind: Kind, name: &str) -> CmdResult {
    if denies_subscribe(ctx, kind == Kind::Shard) {
        return Err(CmdError::err(format_args!(
            "{name} isn't allowed for a DENY BLOCKING client"
        )));
    }
    for ch in &argv[1..] {
        pubsub::subscribe(ctx.srv, ctx.client, kind, ch);
    }
    pubsub::update_pubsub_flag(ctx.client);
    Ok(())
}

fn unsubscribe_generic(ctx: &mut Ctx, argv: &[Bytes], kind: Kind) -> CmdResult {
    if argv.len() == 1 {
        pubsub::unsubscribe_kind(ctx.srv, ctx.client, kind, true);
    } else {
        for ch in &argv[1..] {
            pubsub::unsubscribe(ctx.srv, ctx.client, kind, ch, true);
        }
    }
    pubsub::update_pubsub_flag(ctx.client);
    Ok(())
}

/// ```text
/// SUBSCRIBE channel [channel ...]
/// ```
fn subscribe(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, argv, Kind::Channel, "SUBSCRIBE")
}

/// ```text
/// UNSUBSCRIBE [channel [channel ...]]
/// ```
fn unsubscribe(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, argv, Kind::Channel)
}

/// ```text
/// PSUBSCRIBE pattern [pattern ...]
/// ```
fn psubscribe(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, argv, Kind::Pattern, "PSUBSCRIBE")
}

/// ```text
/// PUNSUBSCRIBE [pattern [pattern ...]]
/// ```
fn punsubscribe(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, argv, Kind::Pattern)
}

/// ```text
/// SSUBSCRIBE shardchannel [shardchannel ...]
/// ```
fn ssubscribe(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    subscribe_generic(ctx, argv, Kind::Shard, "SSUBSCRIBE")
}

/// ```text
/// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
/// ```
fn sunsubscribe(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    unsubscribe_generic(ctx, argv, Kind::Shard)
}

/// ```text
/// PUBLISH channel message
/// ```
fn publish(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let n = pubsub::publish(ctx.srv, &argv[1], &argv[2]);
    ctx.out().int(n as i64);
    Ok(())
}

/// ```text
/// SPUBLISH shardchannel message
/// ```
fn spublish(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let n = pubsub::publish_shard(ctx.srv, &argv[1], &argv[2]);
    ctx.out().int(n as i64);
    Ok(())
}

/// Replies with the channels of `map` matching the optional pattern.
fn channel_list(ctx: &mut Ctx, argv: &[Bytes], shard: bool) -> CmdResult {
    if argv.len() > 3 {
        return Err(CmdError::subcommand_syntax(&argv[1], "pubsub"));
    }
    let pattern = argv.get(2);
    let map = if shard {
        &ctx.srv.pubsub.shard_channels
    } else {
        &ctx.srv.pubsub.channels
    };
    let names: Vec<Bytes> = map
        .keys()
        .filter(|ch| pattern.is_none_or(|p| crate::util::glob_match(p, ch, false)))
        .cloned()
        .collect();
    let out = ctx.out();
    let d = out.defer_len();
    for n in &names {
        out.bulk(n);
    }
    out.set_deferred_len(d, Aggregate::Array, names.len());
    Ok(())
}

/// ```text
/// PUBSUB CHANNELS [pattern]
/// ```
fn pubsub_channels(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    channel_list(ctx, argv, false)
}

/// ```text
/// PUBSUB SHARDCHANNELS [pattern]
/// ```
fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    channel_list(ctx, argv, true)
}

/// Replies with `[channel, subscribers, ...]` for each channel asked about.
fn numsub(ctx: &mut Ctx, argv: &[Bytes], shard: bool) -> CmdResult {
    let counts: Vec<usize> = {
        let map: &HashMap<Bytes, Vec<u64>> = if shard {
            &ctx.srv.pubsub.shard_channels
        } else {
            &ctx.srv.pubsub.channels
        };
        argv[2..]
            .iter()
            .map(|ch| map.get(ch).map_or(0, Vec::len))
            .collect()
    };
    let out = ctx.out();
    out.array_len(counts.len() * 2);
    for (ch, n) in argv[2..].iter().zip(counts) {
        out.bulk(ch);
        out.int(n as i64);
    }
    Ok(())
}

/// ```text
/// PUBSUB NUMSUB [channel [channel ...]]
/// ```
fn pubsub_numsub(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    numsub(ctx, argv, false)
}

/// ```text
/// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
/// ```
fn pubsub_shardnumsub(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    numsub(ctx, argv, true)
}

/// ```text
/// PUBSUB NUMPAT
/// ```
fn pubsub_numpat(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let n = ctx.srv.pubsub.patterns.len();
    ctx.out().int(n as i64);
    Ok(())
}

/// ```text
/// PUBSUB HELP
/// ```
fn pubsub_help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    super::introspection::reply_help(
        ctx.out(),
        "pubsub",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(())
}
