-- Reigh-compatible core tables: same names, columns and types as Reigh's live schema
-- (shared/reigh-data-model.md), so code written against this database runs unchanged on a
-- real Reigh/Supabase database. Applied only to databases the workbench owns.

CREATE TABLE users (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text,
    email       text,
    settings    jsonb DEFAULT '{"ui": {"paneLocks": {}}, "user-preferences": {}}'::jsonb,
    credits     integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    aspect_ratio  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    settings      jsonb
);
CREATE INDEX idx_projects_user_id ON projects (user_id);

CREATE TABLE shots (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL,
    project_id    uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    settings      jsonb,
    position      integer NOT NULL DEFAULT 1,
    aspect_ratio  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz DEFAULT now()
);
CREATE INDEX idx_shots_project_id ON shots (project_id, position);

CREATE TABLE generations (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id            uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    type                  text,
    location              text,
    thumbnail_url         text,
    params                jsonb,
    name                  text,
    starred               boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz DEFAULT now(),
    tasks                 jsonb,
    based_on              uuid REFERENCES generations (id) ON DELETE SET NULL,
    parent_generation_id  uuid REFERENCES generations (id) ON DELETE CASCADE,
    child_order           integer,
    is_child              boolean NOT NULL DEFAULT false,
    primary_variant_id    uuid
);

CREATE TABLE generation_variants (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    generation_id  uuid NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    location       text NOT NULL,
    thumbnail_url  text,
    params         jsonb,
    is_primary     boolean NOT NULL DEFAULT false,
    variant_type   text,
    name           text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    project_id     uuid,
    viewed_at      timestamptz,
    starred        boolean NOT NULL DEFAULT false
);
ALTER TABLE generations
    ADD CONSTRAINT generations_primary_variant_id_fkey
    FOREIGN KEY (primary_variant_id) REFERENCES generation_variants (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX idx_generation_variants_one_primary
    ON generation_variants (generation_id) WHERE is_primary;
CREATE INDEX idx_generation_variants_generation_id ON generation_variants (generation_id);

CREATE TABLE shot_generations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    shot_id         uuid NOT NULL REFERENCES shots (id) ON DELETE CASCADE,
    generation_id   uuid NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    timeline_frame  integer,
    metadata        jsonb DEFAULT '{}'::jsonb,
    created_at      timestamptz DEFAULT now(),
    updated_at      timestamptz DEFAULT now()
);

CREATE TABLE tasks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_type        text NOT NULL,
    params           jsonb,
    status           text NOT NULL DEFAULT 'Queued',
    project_id       uuid REFERENCES projects (id) ON DELETE CASCADE,
    output_location  text,
    error_message    text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz DEFAULT now()
);

CREATE TABLE resources (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type        text NOT NULL,
    metadata    jsonb NOT NULL,
    is_public   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_resources_user_type ON resources (user_id, type);

-- The indexes Reigh has, so the same queries cost the same here.
CREATE INDEX idx_generations_project_created ON generations (project_id, created_at DESC);
CREATE INDEX idx_generations_project_starred ON generations (project_id, starred, created_at DESC);
CREATE INDEX idx_generations_project_type ON generations (project_id, type, created_at DESC);
CREATE INDEX idx_generations_tool_type ON generations USING gin ((params -> 'tool_type'));
CREATE INDEX idx_shot_generations_shot_frame
    ON shot_generations (shot_id, timeline_frame) WHERE timeline_frame IS NOT NULL;
CREATE INDEX idx_shot_generations_shot_created ON shot_generations (shot_id, created_at DESC);
CREATE INDEX idx_shot_generations_shot_generation ON shot_generations (shot_id, generation_id);
CREATE INDEX idx_shot_generations_generation ON shot_generations (generation_id);
