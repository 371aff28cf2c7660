import type { z } from 'zod';
import {
  accountCreateSchema,
  accountListQuerySchema,
  accountSchema,
  accountUpdateSchema,
} from './account.ts';
import {
  accountGroupCreateSchema,
  accountGroupListQuerySchema,
  accountGroupSchema,
  accountGroupUpdateSchema,
} from './account_group.ts';
import {
  apiKeyCreatedSchema,
  apiKeyCreateSchema,
  apiKeyListQuerySchema,
  apiKeySchema,
  apiKeyUpdateSchema,
} from './api_key.ts';
import {
  channelCreateSchema,
  channelListQuerySchema,
  channelSchema,
  channelUpdateSchema,
} from './channel.ts';
import {
  channelGroupCreateSchema,
  channelGroupListQuerySchema,
  channelGroupSchema,
  channelGroupUpdateSchema,
} from './channel_group.ts';
import { ID_PREFIXES } from './common.ts';
import { groupCreateSchema, groupListQuerySchema, groupSchema, groupUpdateSchema } from './group.ts';
import { priceCreateSchema, priceListQuerySchema, priceSchema, priceUpdateSchema } from './price.ts';
import { userCreateSchema, userListQuerySchema, userSchema, userUpdateSchema } from './user.ts';

/**
 * The CRUD collections of `/admin/v1`, keyed by collection path. The gateway routes and the
 * admin client are both generated from this table, so a field added here reaches both.
 *
 * - `name`: the collection's property on the admin client (`client.apiKeys`)
 * - `schema`: one resource as returned; `createResponseSchema`: the 201 body of POST
 * - `hasBindings`: DELETE answers 409 HAS_BINDINGS unless `?cascade=true`
 */
export const ADMIN_RESOURCES = {
  users: {
    path: 'users',
    name: 'users',
    kind: 'user',
    idPrefix: ID_PREFIXES.user,
    schema: userSchema,
    createSchema: userCreateSchema,
    createResponseSchema: userSchema,
    updateSchema: userUpdateSchema,
    listQuerySchema: userListQuerySchema,
    hasBindings: false,
  },
  groups: {
    path: 'groups',
    name: 'groups',
    kind: 'group',
    idPrefix: ID_PREFIXES.group,
    schema: groupSchema,
    createSchema: groupCreateSchema,
    createResponseSchema: groupSchema,
    updateSchema: groupUpdateSchema,
    listQuerySchema: groupListQuerySchema,
    hasBindings: true,
  },
  accounts: {
    path: 'accounts',
    name: 'accounts',
    kind: 'account',
    idPrefix: ID_PREFIXES.account,
    schema: accountSchema,
    createSchema: accountCreateSchema,
    createResponseSchema: accountSchema,
    updateSchema: accountUpdateSchema,
    listQuerySchema: accountListQuerySchema,
    hasBindings: true,
  },
  'api-keys': {
    path: 'api-keys',
    name: 'apiKeys',
    kind: 'api_key',
    idPrefix: ID_PREFIXES.api_key,
    schema: apiKeySchema,
    createSchema: apiKeyCreateSchema,
    createResponseSchema: apiKeyCreatedSchema,
    updateSchema: apiKeyUpdateSchema,
    listQuerySchema: apiKeyListQuerySchema,
    hasBindings: false,
  },
  channels: {
    path: 'channels',
    name: 'channels',
    kind: 'channel',
    idPrefix: ID_PREFIXES.channel,
    schema: channelSchema,
    createSchema: channelCreateSchema,
    createResponseSchema: channelSchema,
    updateSchema: channelUpdateSchema,
    listQuerySchema: channelListQuerySchema,
    hasBindings: true,
  },
  'account-groups': {
    path: 'account-groups',
    name: 'accountGroups',
    kind: 'account_group',
    idPrefix: ID_PREFIXES.account_group,
    schema: accountGroupSchema,
    createSchema: accountGroupCreateSchema,
    createResponseSchema: accountGroupSchema,
    updateSchema: accountGroupUpdateSchema,
    listQuerySchema: accountGroupListQuerySchema,
    hasBindings: false,
  },
  'channel-groups': {
    path: 'channel-groups',
    name: 'channelGroups',
    kind: 'channel_group',
    idPrefix: ID_PREFIXES.channel_group,
    schema: channelGroupSchema,
    createSchema: channelGroupCreateSchema,
    createResponseSchema: channelGroupSchema,
    updateSchema: channelGroupUpdateSchema,
    listQuerySchema: channelGroupListQuerySchema,
    hasBindings: false,
  },
  prices: {
    path: 'prices',
    name: 'prices',
    kind: 'price',
    idPrefix: ID_PREFIXES.price,
    schema: priceSchema,
    createSchema: priceCreateSchema,
    createResponseSchema: priceSchema,
    updateSchema: priceUpdateSchema,
    listQuerySchema: priceListQuerySchema,
    hasBindings: false,
  },
} as const;

export type AdminResources = typeof ADMIN_RESOURCES;
export type AdminResourcePath = keyof AdminResources;
export type AdminResourceName = AdminResources[AdminResourcePath]['name'];
export const ADMIN_RESOURCE_PATHS = Object.keys(ADMIN_RESOURCES) as AdminResourcePath[];

/** Resource type of a collection, e.g. `AdminResource<'api-keys'>` is `ApiKey`. */
export type AdminResource<P extends AdminResourcePath> = z.output<AdminResources[P]['schema']>;
export type AdminResourceCreateInput<P extends AdminResourcePath> = z.input<
  AdminResources[P]['createSchema']
>;
export type AdminResourceUpdateInput<P extends AdminResourcePath> = z.input<
  AdminResources[P]['updateSchema']
>;
export type AdminResourceListQueryInput<P extends AdminResourcePath> = z.input<
  AdminResources[P]['listQuerySchema']
>;
