/** Inputs shared by the generic object actions: which object to act on. */
import Type from 'typebox';
import { ApiVersion, Kind, Namespace, ObjectName } from '../../runbook/inputs.ts';

export const objectReferenceInputs = {
  apiVersion: ApiVersion(),
  kind: Kind(),
  name: ObjectName({ description: 'Name of the object.' }),
  namespace: Type.Optional(Namespace('Namespace of the object; omit for cluster-scoped kinds.')),
};
