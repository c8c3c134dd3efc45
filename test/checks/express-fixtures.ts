/** A realistic Express model server shared by the ML serving rule tests: a tfjs model loaded with `.then`, a constant health route, one prediction route. */
import { src } from '../changeset/git-diff.js';

export const EXPRESS_TAGGER = src`
  import * as tf from '@tensorflow/tfjs-node';
  import express from 'express';

  const MODEL_URL = process.env.TAGGER_MODEL_URL ?? 'file://models/tagger-v5/model.json';

  let model: tf.GraphModel | undefined;
  tf.loadGraphModel(MODEL_URL).then((loaded) => {
    model = loaded;
  });

  const app = express();
  app.use(express.json({ limit: '1mb' }));

  app.get('/health', (_req, res) => res.json({ status: 'ok' }));

  app.post('/v1/tags', async (req, res) => {
    if (!model) {
      res.status(503).json({ error: 'model not loaded yet' });
      return;
    }
    const input = tf.tensor2d([req.body.features as number[]]);
    const scores = (model.predict(input) as tf.Tensor).dataSync();
    res.json({ scores: Array.from(scores) });
  });

  app.listen(Number(process.env.PORT ?? 8080));
`;
