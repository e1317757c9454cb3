-- Optional: finds an earlier upload of the same bytes in a project (upload de-duplication and
-- resume) by index instead of scanning the project's generations. Uploads work without it.
CREATE INDEX IF NOT EXISTS workbench_generations_content_sha256
    ON generations (project_id, (params ->> 'content_sha256'))
    WHERE (params ->> 'content_sha256') IS NOT NULL;

-- The same for a user's LoRA files among their resources.
CREATE INDEX IF NOT EXISTS workbench_resources_content_sha256
    ON resources (user_id, (metadata ->> 'content_sha256'))
    WHERE (metadata ->> 'content_sha256') IS NOT NULL;
