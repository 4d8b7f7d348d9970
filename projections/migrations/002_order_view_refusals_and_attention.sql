-- last_refusal: the last cancel or revise request that the order's workflow accepted
-- (the API answered 202) and then could not carry out: {change, reason, detail}.
-- attention: why an order is NEEDS_ATTENTION: {was, saga, step, reason, detail}.
-- Both are null when there is none; rebuilding the read model fills them in for the
-- events recorded before these columns existed.
alter table order_view add column last_refusal jsonb;
alter table order_view add column attention jsonb;
