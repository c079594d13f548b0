/**
 * Statements that are legal DBC but carry nothing the decoder needs. They are skipped up to
 * their `;` and counted, so `dbc check` can say what was ignored (never silently).
 */
export const SKIPPED_KEYWORDS = new Set([
  'ENVVAR_DATA_',
  'EV_DATA_',
  'SGTYPE_',
  'SGTYPE_VAL_',
  'SIG_TYPE_REF_',
  'SIGTYPE_VALTYPE_',
  'BA_DEF_SGTYPE_',
  'BA_SGTYPE_',
  'BA_DEF_REL_',
  'BA_DEF_DEF_REL_',
  'BA_REL_',
  'BU_SG_REL_',
  'BU_EV_REL_',
  'BU_BO_REL_',
  'CAT_DEF_',
  'CAT_',
  'FILTER',
]);

/** Every keyword that can start a statement; used to find where a section ends. */
export const STATEMENT_KEYWORDS: ReadonlySet<string> = new Set([
  'VERSION',
  'NS_',
  'BS_',
  'BU_',
  'BO_',
  'SG_',
  'EV_',
  'VAL_TABLE_',
  'VAL_',
  'CM_',
  'BA_DEF_',
  'BA_DEF_DEF_',
  'BA_',
  'SIG_VALTYPE_',
  'SIG_GROUP_',
  'SG_MUL_VAL_',
  'BO_TX_BU_',
  ...SKIPPED_KEYWORDS,
]);
