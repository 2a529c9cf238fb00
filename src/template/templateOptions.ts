// The options of template rendering that the module contract (modules/module.ts: ModuleContext.renderFile)
// names. Types only and no imports, so that the plug-in types users get (api/playtree.ts) stay small.

/** How a template file is lexed: Ansible's template module options and `#jinja2:` overrides. */
export interface TemplateSyntax {
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  blockStart?: string;
  blockEnd?: string;
  variableStart?: string;
  variableEnd?: string;
  commentStart?: string;
  commentEnd?: string;
  /** Jinja2's line statements: a line starting with this prefix is a block tag. */
  lineStatementPrefix?: string;
  /** Jinja2's line comments: from this prefix to the end of the line is dropped. */
  lineCommentPrefix?: string;
}

export interface TemplateFileOptions {
  /**
   * Folders where included and imported names are looked for, in order. Ansible's template module uses,
   * for each folder of ansible_search_path (role, then playbook dir) `folder/templates` then `folder`,
   * then the template's own folder.
   */
  searchPath: readonly string[];
  /** Variables seen over the host's (the template module's and lookup's `template_vars`). */
  vars?: Record<string, unknown>;
  /** The module's or lookup's options; `#jinja2:` overrides in the file win over these. */
  syntax?: TemplateSyntax;
  /** The module's `newline_sequence` (`\n` unless given); a `#jinja2:` override wins. */
  newlineSequence?: string;
}
