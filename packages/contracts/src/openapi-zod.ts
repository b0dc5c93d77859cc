/**
 * zod with `.openapi(...)`: a schema may carry what its checks cannot say to OpenAPI (an example, a `oneOf` a
 * refinement enforces). The api's document is generated from these schemas (services/api/src/common/openapi.ts), so
 * the document and the validation cannot disagree. Imported before any schema is declared.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
