-- The settings history: one row per settings write made through the workbench (the scope's
-- tool object before and after it), so every device attached to the database sees the same
-- history and any entry can be restored. The workbench writes a row in the same statement as
-- the settings UPDATE, so a write and its record land together or not at all.
--
-- In the extras track (not core): core holds only Reigh's own tables, and extras are applied
-- with core whenever the workbench owns the database; a Reigh database gets this table only by
-- `workbench db install-extras` (without it, the history is kept on the device). No foreign
-- keys: a deleted shot's history stays readable, and Reigh's tables are never referenced.
CREATE TABLE IF NOT EXISTS workbench_settings_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id    uuid,
    scope      text NOT NULL CHECK (scope IN ('user', 'project', 'shot')),
    target_id  uuid NOT NULL,
    tool_id    text NOT NULL,
    before     jsonb,
    after      jsonb,
    note       text
);

-- A target's history of one tool, newest first.
CREATE INDEX IF NOT EXISTS workbench_settings_history_target
    ON workbench_settings_history (target_id, tool_id, id DESC);
