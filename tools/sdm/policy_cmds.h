/*
 * sdm keygen (cmd_keygen.c) and sdm policy compile|check|show|anchor
 * (cmd_policy.c). The work is in policy/ (policy_src, policy_sign,
 * policy_check, policy_show); these are the command lines.
 */
#ifndef SDM_TOOL_POLICY_CMDS_H
#define SDM_TOOL_POLICY_CMDS_H

/* sdm keygen [--rsa3072] [--force] --out KEY.pem */
int sdm_cmd_keygen(int argc, char **argv);
/* sdm policy compile|check|show|anchor ... */
int sdm_cmd_policy(int argc, char **argv);

#endif
