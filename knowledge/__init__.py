"""Knowledge articles as records: lifecycle (draft → in_review → published → archived), versions with
diffs and revert, drafts from resolved cases, markdown import/export; publishing feeds `retrieval`."""
