-- Reserved for the migration the projection engine's changes add as 003 on another
-- branch: tern needs contiguous numbers, and 004 follows it. This placeholder is
-- replaced by that migration when the branches merge; it changes nothing (tern refuses
-- a migration without a statement).
select 1;
