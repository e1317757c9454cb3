-- A million generations: project counts (all, images, videos, starred, in no shot) in one
-- index-only pass over the project's finished top-level generations, without reading their
-- rows (workbench.generations.aggregates.project_counts).
CREATE INDEX IF NOT EXISTS workbench_generations_counts
    ON generations (project_id) INCLUDE (id, type, starred)
    WHERE location IS NOT NULL AND NOT is_child;
