-- The last cancel or revise request that the order's workflow accepted (the API
-- answered 202) and then could not carry out: {change, reason, detail}, null when none.
-- Existing rows are right with null until a rebuild: refusals were only ever recorded
-- from a pending status before this column, and rebuilding fills them in.
alter table order_view add column last_refusal jsonb;
