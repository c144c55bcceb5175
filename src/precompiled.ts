/**
 * Templates compiled ahead of time. Empty when running from the sources; the
 * bundle made by scripts/build.mjs replaces this module with every template
 * under templates/ precompiled, so the published CLI loads only the
 * handlebars runtime and never parses a template.
 */
export const precompiled: Record<string, TemplateSpecification> | null = null;
